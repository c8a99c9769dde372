//! The `[[triggers]]`, `[notifications]` and `[http_task]` tables: what they read, and errors
//! that name the key.

use statecraft_runtime::config::{ConnectionAuth, Error, ProjectConfig, TriggerSource};
use statecraft_runtime::ports::ExecutionStatus;
use std::path::Path;

fn parse(text: &str) -> Result<ProjectConfig, Error> {
    let env = |k: &str| match k {
        "SECRET" => Some("from-env".to_string()),
        "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:5000".to_string()),
        _ => None,
    };
    ProjectConfig::parse(text, "statecraft.toml", Path::new("/p"), &env)
}

fn invalid(text: &str) -> (String, String) {
    match parse(text) {
        Err(Error::Invalid { key, message, .. }) => (key, message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn every_table_reads() {
    let config = parse(
        r#"
        [[triggers]]
        name = "nightly"
        state_machine = "Report"
        schedule = "cron(0 2 * * ? *)"
        timezone = "Europe/Paris"
        input = { kind = "nightly", n = 3 }

        [[triggers]]
        name = "orders"
        state_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders:live"
        http = { secret_env = "SECRET" }

        [[triggers]]
        name = "inbox"
        state_machine = "Orders"
        sqs = { queue_url = "https://sqs.eu-west-3.amazonaws.com/123456789012/inbox", wait_time_seconds = 5 }

        [notifications]
        statuses = ["SUCCEEDED", "FAILED"]
        webhooks = [{ url = "http://127.0.0.1:7071/events", secret = "whsec" }]
        eventbridge = { event_bus = "ops" }

        [http_task]
        timeout_seconds = 20
        [http_task.connections.github]
        bearer_token_env = "SECRET"
        "#,
    )
    .unwrap();
    assert_eq!(config.triggers.len(), 3);
    let TriggerSource::Schedule { timezone, input, .. } = &config.triggers[0].source else { panic!() };
    assert_eq!(
        (timezone.name(), input.to_string()),
        ("Europe/Paris", r#"{"kind":"nightly","n":3}"#.to_string())
    );
    let TriggerSource::Http { secret } = &config.triggers[1].source else { panic!() };
    assert_eq!(secret.expose(), b"from-env");
    let TriggerSource::Sqs(sqs) = &config.triggers[2].source else { panic!() };
    // AWS_ENDPOINT_URL wins over the queue's host; the region comes from the queue URL.
    assert_eq!(
        (sqs.endpoint.as_str(), sqs.region.as_str(), sqs.wait_time_seconds, sqs.max_messages),
        ("http://127.0.0.1:5000", "eu-west-3", 5, 10)
    );
    let n = config.notifications.as_ref().unwrap();
    assert_eq!(n.statuses, [ExecutionStatus::Succeeded, ExecutionStatus::Failed]);
    let eb = n.eventbridge.as_ref().unwrap();
    assert_eq!(
        (eb.event_bus.as_str(), eb.source.as_str(), eb.endpoint.as_str()),
        ("ops", "statecraft.states", "http://127.0.0.1:5000")
    );
    assert!(n.wants("arn:aws:states:us-east-1:123456789012:stateMachine:Any", ExecutionStatus::Failed));
    assert!(!n.wants("arn:aws:states:us-east-1:123456789012:stateMachine:Any", ExecutionStatus::Running));
    assert_eq!(config.http_task.timeout_seconds, Some(20));
    assert!(
        matches!(&config.http_task.connections["github"].auth, ConnectionAuth::Bearer(s) if s.expose() == b"from-env")
    );
}

#[test]
fn errors_name_the_key() {
    let t = |extra: &str| format!("[[triggers]]\nname = \"t\"\nstate_machine = \"M\"\n{extra}\n");
    assert_eq!(invalid(&t("schedule = \"cron(0 12 * * * *)\"")).0, "triggers[0].schedule");
    assert_eq!(invalid(&t("schedule = \"rate(5 minute)\"")).0, "triggers[0].schedule");
    assert_eq!(
        invalid(&t("schedule = \"rate(5 minutes)\"\ntimezone = \"Mars/Olympus\"")).0,
        "triggers[0].timezone"
    );
    assert_eq!(invalid(&t("http = { secret = \"s\" }\ninput = 1")).0, "triggers[0].input");
    assert_eq!(invalid(&t("http = { secret_env = \"UNSET\" }")).0, "triggers[0].http.secret_env");
    assert_eq!(
        invalid(&t("sqs = { queue_url = \"http://q\", max_messages = 11 }")).0,
        "triggers[0].sqs.max_messages"
    );
    assert_eq!(
        invalid(&t("schedule = \"rate(1 day)\"\nsqs = { queue_url = \"http://q\" }")).0,
        "triggers[0]"
    );
    assert_eq!(invalid(&t("scedule = \"rate(1 day)\"")).0, "triggers[0].scedule");
    assert_eq!(
        invalid("[[triggers]]\nname = \"bad name\"\nstate_machine = \"M\"\nschedule = \"rate(1 day)\"").0,
        "triggers[0].name"
    );
    let twice = format!("{}{}", t("schedule = \"rate(1 day)\""), t("schedule = \"rate(2 days)\""));
    assert_eq!(invalid(&twice).0, "triggers[1].name");
    assert_eq!(
        invalid(
            "[notifications]\nstatuses = [\"DONE\"]\nwebhooks = [{ url = \"http://h\", secret = \"s\" }]"
        )
        .0,
        "notifications.statuses"
    );
    assert_eq!(
        invalid("[notifications]\nwebhooks = [{ url = \"http://h\" }]").0,
        "notifications.webhooks[0]"
    );
    assert_eq!(invalid("[notifications]\n").0, "notifications");
    let (key, message) = invalid("[http_task.connections.c]\nusername = \"u\"\nbearer_token = \"t\"");
    assert_eq!(key, "http_task.connections.c");
    assert!(message.contains("one kind of credentials"), "{message}");
    assert_eq!(invalid("[http_task.connections.c]\napi_key = \"k\"").0, "http_task.connections.c");
}
