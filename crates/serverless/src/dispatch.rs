//! Performing effects, after their commit: tasks go to the task queue (by reference: the task
//! runner reads the request from the outbox), activity tasks are published to their SNS topic,
//! timers become delayed step messages, fan-outs are created in the fan-out store and their
//! children started by messages, a child's end is counted by the join and the fan-out's
//! outcome sent to the parent.
//!
//! Every effect is safe to perform twice: a duplicate message is stale for the core, creating
//! a fan-out or recording a child's outcome twice changes nothing, and a decided fan-out is
//! reported again only by a redo (a stale report is ignored by the parent).

use crate::bus::Outgoing;
use crate::driver::{Error, Result, ServerlessDriver};
use crate::message::{Body, Message, RecordRef};
use crate::record::{Join, Rec};
use crate::step::{Delivery, Input, Spec};
use serde_json::{json, Value};
use statecraft_asl::Resource;
use statecraft_core::detached::{decide, fanout_failure, ChildFinished, FanoutStart};
use statecraft_core::{Decision, Effect, Event, Failure, TaskRequest};
use statecraft_runtime::engine::transition::task_key;
use statecraft_runtime::env::now_millis;
use statecraft_runtime::fanout_store::FanoutRecord;
use statecraft_runtime::ports;

/// Messages to send once a record's effects are all known.
#[derive(Default)]
pub(crate) struct Outbound {
    pub step: Vec<Outgoing>,
    pub task: Vec<Outgoing>,
}

impl ServerlessDriver {
    /// Performs `effects` of `rec` (see the module documentation); `redo` after a crash.
    pub(crate) async fn dispatch(
        &self,
        rec: &Rec,
        join: Option<&Join>,
        effects: Vec<Effect>,
        redo: bool,
    ) -> Result<()> {
        let mut out = Outbound::default();
        for effect in effects {
            match effect {
                Effect::InvokeTask(req) => match &req.resource {
                    Resource::Activity { arn, .. } => self.publish_activity(arn, &rec.r, &req).await?,
                    _ => out.task.push(msg(&rec.r, Body::Task { key: task_key(req.task) }, 0)),
                },
                Effect::ScheduleTimer { timer, at } => {
                    out.step.push(self.timer_message(&rec.r, timer.into(), at))
                }
                Effect::StartFanout(f) => self.start_fanout(rec, &f, redo, &mut out).await?,
                Effect::ChildFinished(c) => {
                    if let Some(join) = join {
                        self.child_finished(&rec.r, join, &c, redo, &mut out).await?;
                    }
                }
                Effect::CancelFanout { frame, seq } => {
                    let key = rec.r.fanout_key(frame, seq);
                    match self.inner.fanouts.decide(&key).await {
                        Ok(_) => {
                            // Children still running record their abort, unless the whole
                            // execution ended (its terminal event stays the last one).
                            if !rec.live.exec.is_finished() {
                                self.abort_running(&rec.r.exec, &key, None).await?;
                            }
                        }
                        Err(ports::Error::NotFound) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                // A task in flight cannot be called back; its late result is stale. Waiters
                // poll the store.
                _ => {}
            }
        }
        self.send_outbound(out).await
    }

    pub(crate) async fn send_outbound(&self, out: Outbound) -> Result<()> {
        let c = &self.inner.config;
        if !out.step.is_empty() {
            self.inner.bus.send(&c.step_queue_url, out.step).await?;
        }
        if !out.task.is_empty() {
            self.inner.bus.send(&c.task_queue_url, out.task).await?;
        }
        Ok(())
    }

    /// A timer message, delayed by as much of the remaining time as SQS allows.
    pub(crate) fn timer_message(
        &self,
        r: &RecordRef,
        timer: crate::message::WireTimer,
        due: i64,
    ) -> Outgoing {
        msg(r, Body::Timer { timer, due }, self.delay_until(due))
    }

    /// Seconds to delay a message due at `due` (rounded up, at most the maximum delay).
    pub(crate) fn delay_until(&self, due: i64) -> u32 {
        let ms = (due - now_millis()).max(0);
        let secs = (ms + 999) / 1000;
        secs.min(i64::from(self.inner.config.max_delay_seconds)) as u32
    }

    async fn publish_activity(&self, activity: &str, r: &RecordRef, req: &TaskRequest) -> Result<()> {
        let Some(topic) = self.inner.config.activities.get(activity).and_then(|a| a.topic.clone()) else {
            return Err(Error::Internal(format!("no topic configured for activity {activity}")));
        };
        let body = json!({
            "taskToken": req.token,
            "input": req.input.to_string(),
            "activityArn": activity,
            "executionArn": r.exec,
        });
        self.inner.bus.publish(&topic, body.to_string()).await?;
        Ok(())
    }

    async fn start_fanout(&self, rec: &Rec, f: &FanoutStart, redo: bool, out: &mut Outbound) -> Result<()> {
        let key = rec.r.fanout_key(f.frame, f.seq);
        let blocks: Vec<u32> = {
            let b: Vec<u32> = f.children.iter().map(|c| c.block).collect();
            if b.windows(2).all(|w| w[0] == w[1]) {
                b.into_iter().take(1).collect()
            } else {
                b
            }
        };
        let spec = Spec {
            v: 1,
            parent: rec.r.clone(),
            info: rec.live.exec.info.clone(),
            state_machine_arn: rec.live.summary.state_machine_arn.clone(),
            revision_id: rec.live.revision_id.clone(),
            state_name: f.state_name.clone(),
            kind: f.kind,
            blocks,
            vars: f.vars.clone(),
            prev_event_id: f.prev_event_id,
            limits: rec.live.exec.limits,
        };
        let record = FanoutRecord {
            key: key.clone(),
            execution_arn: rec.r.exec.clone(),
            parent_frame: f.frame,
            parent_seq: f.seq,
            total: f.children.len() as u32,
            max_concurrency: f.max_concurrency,
            tolerated_count: f.tolerated_count,
            tolerated_percentage: f.tolerated_percentage,
            spec: serde_json::to_vec(&spec).unwrap_or_default(),
        };
        let inputs: Vec<String> = f.children.iter().map(|c| c.input.to_string()).collect();
        self.inner.fanouts.create_fanout(&record, &inputs).await?;
        let n = if f.max_concurrency == 0 { record.total } else { f.max_concurrency };
        let mut claimed = self.inner.fanouts.claim(&key, n).await?;
        if redo {
            // Children claimed before a crash may never have been sent.
            if let Some((_, counts)) = self.inner.fanouts.get_fanout(&key).await? {
                for i in 0..counts.started {
                    if !claimed.contains(&i) && self.inner.fanouts.get_child(&key, i).await?.is_none() {
                        claimed.push(i);
                    }
                }
            }
        }
        for i in claimed {
            out.step.push(msg(&RecordRef::child(rec.r.exec.clone(), key.clone(), i), Body::Start, 0));
        }
        Ok(())
    }

    async fn child_finished(
        &self,
        r: &RecordRef,
        join: &Join,
        c: &ChildFinished,
        redo: bool,
        out: &mut Outbound,
    ) -> Result<()> {
        let Some(child) = &r.child else { return Ok(()) };
        let key = &child.fanout;
        let outcome = match &c.outcome {
            Ok(v) => Ok(v.to_string()),
            Err(f) => Err(serde_json::to_string(f).unwrap_or_default()),
        };
        let (counts, _recorded) = self.inner.fanouts.record_outcome(key, child.index, outcome).await?;
        let decision = decide(
            join.total,
            counts.succeeded,
            counts.failed,
            join.tolerated_count,
            join.tolerated_percentage,
        );
        let (frame, seq) = (c.origin.parent_frame, c.origin.parent_seq);
        match decision {
            Decision::Fail => {
                let Err(failure) = &c.outcome else { return Ok(()) };
                if self.inner.fanouts.decide(key).await? || redo {
                    // Siblings still running are aborted before the parent hears of the
                    // failure, so their events come before the state's own, as embedded.
                    self.abort_running(&r.exec, key, Some(child.index)).await?;
                    let tolerance = join.tolerated_count.is_some() || join.tolerated_percentage.is_some();
                    let Failure { error, cause } = fanout_failure(tolerance, failure.clone());
                    out.step.push(msg(&join.parent, Body::FanoutFailed { frame, seq, error, cause }, 0));
                }
            }
            Decision::Succeed => {
                if self.inner.fanouts.decide(key).await? || redo {
                    out.step.push(msg(
                        &join.parent,
                        Body::FanoutCompleted { frame, seq, fanout: key.clone() },
                        0,
                    ));
                }
            }
            Decision::Continue => {
                if !counts.decided && join.max_concurrency != 0 {
                    for i in self.inner.fanouts.claim(key, 1).await? {
                        out.step.push(msg(&RecordRef::child(r.exec.clone(), key.clone(), i), Body::Start, 0));
                    }
                }
            }
        }
        Ok(())
    }
}

impl ServerlessDriver {
    /// Stops the children of a decided fan-out that are still running (started, with no
    /// outcome; `except` is the one that just failed): each records its running states as
    /// aborted (and `MapIterationAborted`) in a commit of its own. Children claimed but not
    /// yet started never will be; children that end meanwhile are left as they ended. Safe to
    /// repeat: stopping a finished child changes nothing.
    /// (Boxed: stopping a child may cancel its own fan-outs, which comes back here.)
    fn abort_running<'a>(
        &'a self,
        exec: &'a str,
        key: &'a str,
        except: Option<u32>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let Some((_, counts)) = self.inner.fanouts.get_fanout(key).await? else { return Ok(()) };
            if counts.running() == 0 {
                return Ok(());
            }
            let ended = self.inner.fanouts.results(key).await?;
            for index in 0..counts.started {
                if Some(index) == except || ended.get(index as usize).is_some_and(Option::is_some) {
                    continue;
                }
                let r = RecordRef::child(exec, key, index);
                let stop = Delivery {
                    input: Input::Event(Event::Stopped { error: None, cause: None }),
                    redelivered: false,
                };
                self.process(&r, std::slice::from_ref(&stop)).await?;
            }
            Ok(())
        })
    }
}

pub(crate) fn msg(r: &RecordRef, body: Body, delay_seconds: u32) -> Outgoing {
    Outgoing { body: Message::new(r.clone(), body).encode(), delay_seconds }
}

/// The body an activity task is published with (and what GetActivityTask reads back).
pub(crate) fn activity_task(body: &str) -> Option<(String, String)> {
    let v: Value = serde_json::from_str(body).ok()?;
    // Through an SNS subscription without raw delivery, the task is the envelope's Message.
    let v = match v.get("Type").and_then(Value::as_str) {
        Some("Notification") => serde_json::from_str(v.get("Message")?.as_str()?).ok()?,
        _ => v,
    };
    let token = v.get("taskToken")?.as_str()?.to_string();
    let input = match v.get("input")? {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some((token, input))
}
