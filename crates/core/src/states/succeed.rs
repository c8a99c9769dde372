//! Succeed: ends its frame successfully.

use crate::execution::Machine;
use crate::io::{self, States};
use serde_json::Value;
use statecraft_asl::{QueryLanguage, State};

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State) {
    let Some(raw) = m.frame(fid).map(|f| f.input.clone()) else { return };
    let output = if state.query_language == QueryLanguage::Jsonata {
        match &state.output {
            Some(t) => {
                io::jsonata(m, fid, state, t, "Output", &States { input: Some(&raw), ..Default::default() })
            }
            None => Ok(Value::clone(&raw)),
        }
    } else {
        io::input_path(m, fid, state, &raw).and_then(|v| io::output_path(m, fid, state, v.into_owned()))
    };
    match output {
        Ok(v) => m.exit_state(fid, v, None, None),
        Err(f) => m.fail_state(fid, f),
    }
}
