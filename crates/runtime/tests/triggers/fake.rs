//! A [`Starter`] that records what it is asked and, like STANDARD executions, refuses to
//! start a name twice (or, `express()`, starts every request).

use async_trait::async_trait;
use statecraft_runtime::triggers::{StartError, StartRequest, Started, Starter};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

pub(crate) const DEADLINE: Duration = Duration::from_secs(10);

pub(crate) struct FakeStarter {
    unique_names: bool,
    names: Mutex<HashSet<String>>,
    pub(crate) requests: Mutex<Vec<(StartRequest, bool)>>,
    tx: mpsc::UnboundedSender<(StartRequest, bool)>,
}

impl FakeStarter {
    pub(crate) fn standard() -> (Arc<FakeStarter>, mpsc::UnboundedReceiver<(StartRequest, bool)>) {
        FakeStarter::new(true)
    }

    pub(crate) fn express() -> (Arc<FakeStarter>, mpsc::UnboundedReceiver<(StartRequest, bool)>) {
        FakeStarter::new(false)
    }

    fn new(unique_names: bool) -> (Arc<FakeStarter>, mpsc::UnboundedReceiver<(StartRequest, bool)>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let s = FakeStarter { unique_names, names: Mutex::default(), requests: Mutex::default(), tx };
        (Arc::new(s), rx)
    }

    /// The executions created (duplicates excluded).
    pub(crate) fn created(&self) -> Vec<StartRequest> {
        self.requests.lock().unwrap().iter().filter(|(_, c)| *c).map(|(r, _)| r.clone()).collect()
    }
}

#[async_trait]
impl Starter for FakeStarter {
    async fn start(&self, request: StartRequest) -> Result<Started, StartError> {
        if request.state_machine == "Missing" {
            return Err(StartError::Rejected {
                code: "StateMachineDoesNotExist".into(),
                message: "no".into(),
            });
        }
        let name = request
            .name
            .clone()
            .unwrap_or_else(|| format!("generated-{}", self.requests.lock().unwrap().len()));
        let created = !self.unique_names || self.names.lock().unwrap().insert(name.clone());
        self.requests.lock().unwrap().push((request.clone(), created));
        let _ = self.tx.send((request.clone(), created));
        Ok(Started {
            execution_arn: format!(
                "arn:aws:states:us-east-1:123456789012:execution:{}:{name}",
                request.state_machine
            ),
            start_date: 1_000,
            created,
        })
    }
}

/// The next start, or a panic after [`DEADLINE`].
pub(crate) async fn next_start(
    rx: &mut mpsc::UnboundedReceiver<(StartRequest, bool)>,
) -> (StartRequest, bool) {
    match tokio::time::timeout(DEADLINE, rx.recv()).await {
        Ok(Some(s)) => s,
        _ => panic!("no start within {DEADLINE:?}"),
    }
}
