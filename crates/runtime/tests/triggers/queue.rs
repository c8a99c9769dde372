//! Queue pollers: a message delivered twice starts one execution; a message is deleted only
//! once its start is durable.

use crate::fake::FakeStarter;
use async_trait::async_trait;
use statecraft_runtime::triggers::sqs::{Message, Poller, Queue};
use statecraft_runtime::triggers::Recent;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct FakeQueue {
    deleted: Mutex<Vec<String>>,
}

#[async_trait]
impl Queue for FakeQueue {
    async fn receive(&self) -> Result<Vec<Message>, String> {
        Ok(Vec::new())
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), String> {
        self.deleted.lock().unwrap().push(receipt_handle.to_string());
        Ok(())
    }
}

fn message(receipt: &str) -> Message {
    Message { message_id: "6f1c-msg".into(), receipt_handle: receipt.into(), body: r#"{"order":7}"#.into() }
}

#[tokio::test]
async fn a_message_delivered_twice_starts_one_execution() {
    // STANDARD: the control plane refuses the second start of the name.
    let (starter, _rx) = FakeStarter::standard();
    let queue = Arc::new(FakeQueue::default());
    let poller = Poller {
        trigger: "inbox".into(),
        state_machine: "Orders".into(),
        queue: queue.clone(),
        starter: starter.clone(),
        recent: Arc::new(Recent::default()),
    };
    poller.handle(message("r1")).await;
    poller.handle(message("r2")).await;
    let created = starter.created();
    assert_eq!(created.len(), 1);
    assert_eq!((created[0].name.as_deref(), created[0].input.as_str()), (Some("6f1c-msg"), r#"{"order":7}"#));
    assert_eq!(*queue.deleted.lock().unwrap(), ["r1", "r2"]);

    // EXPRESS: names are not unique there; the poller remembers the message id itself.
    let (starter, _rx) = FakeStarter::express();
    let poller = Poller { starter: starter.clone(), recent: Arc::new(Recent::default()), ..poller };
    poller.handle(message("r3")).await;
    poller.handle(message("r4")).await;
    assert_eq!(starter.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_message_whose_start_fails_stays_in_the_queue() {
    let (starter, _rx) = FakeStarter::standard();
    let queue = Arc::new(FakeQueue::default());
    let poller = Poller {
        trigger: "inbox".into(),
        state_machine: "Missing".into(),
        queue: queue.clone(),
        starter,
        recent: Arc::new(Recent::default()),
    };
    poller.handle(message("r1")).await;
    assert!(queue.deleted.lock().unwrap().is_empty());
}
