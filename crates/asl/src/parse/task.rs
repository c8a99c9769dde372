//! The Task state: its `Resource` (an ARN AWS recognizes, and what EXPRESS machines refuse),
//! timeouts and heartbeats, and `Credentials`.

use super::fields::{is_jsonata, Roots};
use super::{ptr, MachineType, Parser};
use crate::model::*;
use crate::resource::{Pattern, Resource};
use serde_json::{Map, Value};

/// The largest `TimeoutSeconds`/`HeartbeatSeconds` AWS accepts.
const MAX_SECONDS: u64 = 99_999_999;

impl Parser<'_> {
    pub(crate) fn task(&mut self, obj: &Map<String, Value>, base: &str, ql: QueryLanguage) -> Kind {
        let location = ptr(base, "Resource");
        let resource = match obj.get("Resource") {
            Some(Value::String(s)) => match Resource::parse(s).and_then(|r| r.check_recognized().map(|()| r))
            {
                Ok(r) => Some(r),
                Err(msg) => {
                    self.schema(&location, msg);
                    None
                }
            },
            Some(_) => {
                self.type_error(&location, "STRING");
                None
            }
            None => {
                self.required(base, &["Resource"]);
                None
            }
        };
        if let Some(r) = &resource {
            self.express_resource(r, &location);
        }
        let timeout_seconds = self.dynamic_int(obj, base, "TimeoutSeconds", ql, (1, MAX_SECONDS), Roots::Any);
        let heartbeat_seconds =
            self.dynamic_int(obj, base, "HeartbeatSeconds", ql, (1, MAX_SECONDS), Roots::Any);
        if let (Some(Dynamic::Literal(t)), Some(Dynamic::Literal(h))) = (&timeout_seconds, &heartbeat_seconds)
        {
            if h >= t {
                self.schema(
                    ptr(base, "HeartbeatSeconds"),
                    "The value for the field 'HeartbeatSeconds' must be smaller than the value for the field 'TimeoutSeconds'",
                );
            }
        }
        let credentials = obj.get("Credentials").cloned();
        if let Some(c) = &credentials {
            self.credentials(c, &ptr(base, "Credentials"), ql);
        }
        match resource {
            Some(resource) => {
                Kind::Task(Box::new(Task { resource, timeout_seconds, heartbeat_seconds, credentials }))
            }
            None => Kind::Succeed,
        }
    }

    /// EXPRESS machines run no activities and wait for no job or callback.
    fn express_resource(&mut self, r: &Resource, location: &str) {
        if self.machine_type != MachineType::Express {
            return;
        }
        match (r, r.pattern()) {
            (Resource::Activity { .. }, _) => {
                self.schema(location, "Express state machine does not support Activity ARN");
            }
            (_, Pattern::Sync | Pattern::Sync2) => {
                self.schema(location, "Express state machine does not support '.sync' service integration ");
            }
            (_, Pattern::WaitForTaskToken) => {
                self.schema(
                    location,
                    "Express state machine does not support '.waitForTaskToken' service integration ",
                );
            }
            (_, Pattern::RequestResponse) => {}
        }
    }

    /// `Credentials`: an object with the role to assume, `RoleArn` (or `RoleArn.$` in JSONPath
    /// states). AWS ignores other fields.
    fn credentials(&mut self, c: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = c.as_object() else {
            self.type_error(location, "OBJECT");
            return;
        };
        match (m.get("RoleArn"), m.get("RoleArn.$")) {
            (None, None) => self.schema(location, "The field 'RoleArn' is required but was missing"),
            (Some(_), Some(_)) => {
                self.schema(
                    location,
                    "There should only be one of the following fields: [RoleArn, RoleArn.$]",
                );
            }
            (Some(v), None) => {
                let field = ptr(location, "RoleArn");
                if ql == QueryLanguage::Jsonata && is_jsonata(v) {
                    self.jsonata(v, &field);
                } else if !v.is_string() {
                    self.type_error(field, "STRING");
                }
            }
            (None, Some(v)) => {
                if ql == QueryLanguage::Jsonata {
                    self.unsupported(location, "RoleArn.$");
                } else {
                    let mut probe = Map::new();
                    probe.insert("RoleArn.$".into(), v.clone());
                    self.template(&Value::Object(probe), location, true);
                }
            }
        }
    }
}
