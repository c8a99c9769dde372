//! Map: runs its item processor once per item (inline, or as a distributed map run) within
//! `MaxConcurrency`, and joins the outputs into an array. Items come from `ItemsPath` or
//! JSONata `Items`, are shaped by `ItemSelector` (legacy `Parameters`) and, in distributed
//! mode, grouped by `ItemBatcher`.

use super::fanout::{self, Fanout, FanoutKind};
use crate::context::Extra;
use crate::execution::{Failure, Machine};
use crate::history::EventKind;
use crate::io::{self, States};
use serde_json::{json, Map as JsonMap, Value};
use statecraft_asl::{Dynamic, Map, PathField, Payload, ProcessorMode, QueryLanguage, State};
use statecraft_expr::StatesError;

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, map: &Map) {
    if fanout::resume_redriven(m, fid, EventKind::MapStarted { length: 0 }) {
        return;
    }
    let Some(frame) = m.frame(fid) else { return };
    let raw = frame.input.clone();
    let vars = frame.vars.snapshot();
    let distributed =
        m.def.block(map.processor).processor.as_ref().is_some_and(|p| p.mode == ProcessorMode::Distributed);
    let prepared = match prepare(m, fid, state, map, &raw, distributed) {
        Ok(p) => p,
        Err(f) => return fanout::fail(m, fid, f, false),
    };
    m.emit(fid, EventKind::MapStarted { length: prepared.inputs.len() as u64 });
    let (tolerated_count, tolerated_percentage) =
        match tolerance(m, fid, state, map, &raw, &prepared.effective) {
            Ok(t) => t,
            Err(f) => return fanout::fail(m, fid, f, false),
        };
    let map_run_arn = distributed.then(|| {
        let info = &m.exec.info;
        let label = map.label.clone().unwrap_or_else(|| state.name.to_string());
        let id = crate::ids::uuid(m.env);
        format!(
            "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
            info.region, info.account, info.state_machine_name, label, id
        )
    });
    if let Some(arn) = &map_run_arn {
        m.emit(fid, EventKind::MapRunStarted { map_run_arn: arn.clone() });
    }
    let n = prepared.inputs.len() as u32;
    let f = Fanout {
        kind: FanoutKind::Map { processor: map.processor.0, distributed },
        total: n,
        next: 0,
        max_concurrency: prepared.max_concurrency,
        inputs: prepared.inputs,
        branch_input: Value::Null,
        results: vec![Value::Null; n as usize],
        succeeded: 0,
        failed: 0,
        tolerated_count,
        tolerated_percentage,
        running: Default::default(),
        vars,
        map_run_arn,
        done: Vec::new(),
    };
    fanout::begin(m, fid, f);
}

struct Prepared {
    inputs: Vec<Value>,
    max_concurrency: u32,
    effective: Value,
}

fn prepare(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    map: &Map,
    raw: &Value,
    distributed: bool,
) -> Result<Prepared, Failure> {
    let jsonata = state.query_language == QueryLanguage::Jsonata;
    let effective = if jsonata { raw.clone() } else { io::input_path(m, fid, state, raw)?.into_owned() };
    let jstates = States { input: Some(raw), ..Default::default() };
    let items = items(m, fid, state, map, &effective, &jstates)?;
    let max_concurrency = match &map.max_concurrency {
        None => 0,
        Some(d) => integer(m, fid, state, d, &effective, &jstates, "MaxConcurrency")? as u32,
    };
    let mut inputs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let extra = Extra { map_item: Some((i as u64, item)), ..Default::default() };
        let v = match &map.item_selector {
            None => item.clone(),
            Some(Payload::JsonPath(t)) => io::template(m, fid, state, t, &effective, extra)?,
            Some(Payload::Jsonata(t)) => {
                let s = States { input: Some(raw), extra, ..Default::default() };
                io::jsonata(m, fid, state, t, "ItemSelector", &s)?
            }
        };
        inputs.push(v);
    }
    if distributed {
        if let Some(batcher) = &map.item_batcher {
            inputs = batch(inputs, batcher, &effective);
        }
    }
    Ok(Prepared { inputs, max_concurrency, effective })
}

/// ToleratedFailureCount/Percentage, evaluated after MapStateStarted as AWS does.
fn tolerance(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    map: &Map,
    raw: &Value,
    effective: &Value,
) -> Result<(Option<u64>, Option<f64>), Failure> {
    let jstates = States { input: Some(raw), ..Default::default() };
    let count = match &map.tolerated_failure_count {
        None => None,
        Some(d) => Some(integer(m, fid, state, d, effective, &jstates, "ToleratedFailureCount")?),
    };
    let percentage = match &map.tolerated_failure_percentage {
        None => None,
        Some(d) => Some(percentage(m, fid, state, d, effective, &jstates)?),
    };
    Ok((count, percentage))
}

fn items(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    map: &Map,
    effective: &Value,
    jstates: &States<'_>,
) -> Result<Vec<Value>, Failure> {
    let (value, error) = if let Some(t) = &map.items {
        let v = io::jsonata(m, fid, state, t, "Items", jstates)?;
        if let Value::Array(a) = v {
            return Ok(a);
        }
        let source = t.as_expression().map(|(s, _)| s.to_string());
        let cause = match source {
            Some(src) => format!(
                "The JSONata expression '{src}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                super::choice::json_type(&v),
                statecraft_expr::to_aws_json(&v)
            ),
            None => format!("Map state input must be an array but was: {}", statecraft_expr::to_aws_json(&v)),
        };
        return Err(Failure::new(
            StatesError::QueryEvaluationError.as_str(),
            io::state_cause(m, fid, state, &cause),
        ));
    } else {
        let v = match &map.items_path {
            PathField::Default => Some(effective.clone()),
            PathField::Null => Some(Value::Object(JsonMap::new())),
            PathField::Path(p) => Some(io::select_required(m, fid, state, p, effective)?),
        };
        let error = if state.query_language == QueryLanguage::Jsonata {
            StatesError::QueryEvaluationError
        } else {
            StatesError::Runtime
        };
        (v, error)
    };
    match value {
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(Failure::new(
            error.as_str(),
            io::state_cause(
                m,
                fid,
                state,
                &format!(
                    "Map state input must be an array but was: {}",
                    statecraft_expr::to_aws_json(&other)
                ),
            ),
        )),
        None => Ok(Vec::new()),
    }
}

/// How AWS shows a bad value in these messages: strings bare, everything else as JSON, in quotes.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => format!("\"{}\"", statecraft_expr::to_aws_json(other)),
    }
}

#[allow(clippy::too_many_arguments)]
fn integer(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    d: &Dynamic<u64>,
    effective: &Value,
    jstates: &States<'_>,
    field: &str,
) -> Result<u64, Failure> {
    let (v, path) = match d {
        Dynamic::Literal(n) => return Ok(*n),
        Dynamic::Path(p) => (io::select(m, fid, p, effective), Some(p.as_str().to_string())),
        Dynamic::Jsonata(t) => (Some(io::jsonata(m, fid, state, t, field, jstates)?), None),
        Dynamic::Intrinsic(_) => return Ok(0),
    };
    let v = v.unwrap_or(Value::Null);
    // AWS reads a path's value as a long, accepting numeric strings ("1").
    let n = v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)).or_else(|| {
        if path.is_some() {
            v.as_str().and_then(|s| s.trim().parse::<i64>().ok())
        } else {
            None
        }
    });
    match (n, path) {
        (Some(n), _) if n >= 0 => Ok(n as u64),
        (Some(_), _) if field == "ToleratedFailureCount" => {
            Err(io::runtime_failure(m, fid, state, "ToleratedFailureCount cannot be negative."))
        }
        (Some(_), _) => Err(io::runtime_failure(m, fid, state, &format!("{field} cannot be negative."))),
        (None, Some(p)) => Err(io::runtime_failure(
            m,
            fid,
            state,
            &format!("The {field}Path field refers to value {} which is not a valid integer: {p}", shown(&v)),
        )),
        (None, None) => Err(Failure::new(
            StatesError::QueryEvaluationError.as_str(),
            io::state_cause(
                m,
                fid,
                state,
                &format!(
                    "The JSONata expression specified for the field '{field}' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                    super::choice::json_type(&v),
                    statecraft_expr::to_aws_json(&v)
                ),
            ),
        )),
    }
}

fn percentage(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    d: &Dynamic<f64>,
    effective: &Value,
    jstates: &States<'_>,
) -> Result<f64, Failure> {
    let (v, path) = match d {
        Dynamic::Literal(n) => return Ok(*n),
        Dynamic::Path(p) => (io::select(m, fid, p, effective), Some(p.as_str().to_string())),
        Dynamic::Jsonata(t) => {
            (Some(io::jsonata(m, fid, state, t, "ToleratedFailurePercentage", jstates)?), None)
        }
        Dynamic::Intrinsic(_) => return Ok(0.0),
    };
    let v = v.unwrap_or(Value::Null);
    let f = v.as_f64().or_else(|| {
        if path.is_some() {
            v.as_str().and_then(|s| s.trim().parse::<f64>().ok())
        } else {
            None
        }
    });
    match (f, path) {
        (Some(f), _) if (0.0..=100.0).contains(&f) => Ok(f),
        (Some(_), _) => Err(io::runtime_failure(m, fid, state, "ToleratedFailurePercentage must be between 0 and 100.")),
        (None, Some(p)) => Err(io::runtime_failure(
            m,
            fid,
            state,
            &format!("The ToleratedFailurePercentagePath field refers to value {} which is not a valid float: {p}", shown(&v)),
        )),
        (None, None) => Err(Failure::new(
            StatesError::QueryEvaluationError.as_str(),
            io::state_cause(
                m,
                fid,
                state,
                &format!(
                    "The JSONata expression specified for the field 'ToleratedFailurePercentage' returned an unexpected result type. Expected 'number', but was '{}' for value: {}",
                    super::choice::json_type(&v),
                    statecraft_expr::to_aws_json(&v)
                ),
            ),
        )),
    }
}

/// Groups items into batches: `{"Items": [...], "BatchInput": ...}`.
fn batch(items: Vec<Value>, batcher: &Value, effective: &Value) -> Vec<Value> {
    let max_items = batcher
        .get("MaxItemsPerBatch")
        .and_then(Value::as_u64)
        .or_else(|| {
            let p = batcher.get("MaxItemsPerBatchPath")?.as_str()?;
            statecraft_expr::Path::parse(p).ok()?.select(effective)?.as_u64()
        })
        .unwrap_or(u64::MAX)
        .max(1) as usize;
    let max_bytes =
        batcher.get("MaxInputBytesPerBatch").and_then(Value::as_u64).unwrap_or(256 * 1024) as usize;
    let batch_input = batcher.get("BatchInput").cloned();
    let mut out = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut bytes = 0usize;
    for item in items {
        let size = crate::history::payload_text(&item).len(); // bytes, as AWS counts
        if !current.is_empty() && (current.len() >= max_items || bytes + size > max_bytes) {
            out.push(batch_value(std::mem::take(&mut current), &batch_input));
            bytes = 0;
        }
        bytes += size;
        current.push(item);
    }
    if !current.is_empty() {
        out.push(batch_value(current, &batch_input));
    }
    out
}

fn batch_value(items: Vec<Value>, batch_input: &Option<Value>) -> Value {
    match batch_input {
        Some(b) => json!({ "BatchInput": b, "Items": items }),
        None => json!({ "Items": items }),
    }
}
