//! Parsing `statecraft.toml`: the documented example, the environment, broken files.

use crate::common::fixtures;
use statecraft_runtime::config::{Error, ProjectConfig, Target};
use std::path::{Path, PathBuf};

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(text: &str) -> Result<ProjectConfig, Error> {
    ProjectConfig::parse(text, "statecraft.toml", Path::new("/proj"), &no_env)
}

/// The key, line and message of a parse error.
fn invalid(text: &str) -> (String, usize, String) {
    match parse(text) {
        Err(Error::Invalid { key, line, message, .. }) => (key, line, message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn the_documented_example_loads() {
    let dir = fixtures();
    let c = ProjectConfig::load(&dir.join("statecraft.toml")).unwrap();
    assert_eq!((c.version, c.region.as_str(), c.account.as_str()), (1, "us-east-1", "123456789012"));
    assert_eq!(c.base_dir, dir);
    assert_eq!(c.data_dir, dir.join(".statecraft"));
    assert_eq!(c.lambda.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    let extract = c.resource("arn:aws:lambda:us-east-1:123456789012:function:ExtractMetadata").unwrap();
    let Target::Command(cmd) = &extract.target else { panic!("{extract:?}") };
    assert_eq!(cmd.program, PathBuf::from("python3"));
    assert_eq!(cmd.args, ["handlers/extract.py"]);
    assert_eq!(cmd.cwd, dir);
    let thumb = c.resource("arn:aws:lambda:us-east-1:123456789012:function:Thumbnail").unwrap();
    assert!(matches!(&thumb.target, Target::Http(h) if h.url == "http://127.0.0.1:8081/thumbnail"));
    let bare = c.resource("Thumbnail").unwrap();
    assert!(matches!(&bare.target, Target::LambdaEndpoint(e) if e == "http://127.0.0.1:9001"));
    let approve = c.activity("Approve").unwrap();
    assert_eq!(approve.webhook, "http://127.0.0.1:7070/tasks");
    assert_eq!(approve.secret.expose(), b"s3cr3t");
    assert!(!format!("{approve:?}").contains("s3cr3t"), "secrets stay out of Debug output");
    // Found by ARN too.
    assert!(c.activity("arn:aws:states:us-east-1:123456789012:activity:Approve").is_some());
    assert!(c.activity("Other").is_none());
}

#[test]
fn defaults_relative_paths_and_secret_env() {
    let text = r#"
        data_dir = "var/data"
        [resources.Local]
        command = ["./bin/handler", "--fast"]
        cwd = "work"
        env = { A = "1" }
        timeout_seconds = 5
        [activities."arn:aws:states:us-east-1:123456789012:activity:Ship"]
        webhook = "https://example.test/hook"
        secret_env = "SHIP_SECRET"
    "#;
    let env = |name: &str| (name == "SHIP_SECRET").then(|| "from-env".to_string());
    let c = ProjectConfig::parse(text, "f.toml", Path::new("/proj"), &env).unwrap();
    assert_eq!((c.region.as_str(), c.account.as_str()), ("us-east-1", "123456789012"));
    assert_eq!(c.data_dir, PathBuf::from("/proj/var/data"));
    let local = c.resource("Local").unwrap();
    let Target::Command(cmd) = &local.target else { panic!() };
    assert_eq!(cmd.program, PathBuf::from("/proj/./bin/handler"));
    assert_eq!(cmd.cwd, PathBuf::from("/proj/work"));
    assert_eq!(cmd.env.get("A").map(String::as_str), Some("1"));
    assert_eq!(local.timeout_seconds, Some(5));
    assert_eq!(c.activity("Ship").unwrap().secret.expose(), b"from-env");
}

#[test]
fn the_aws_environment_gives_the_default_lambda_endpoint() {
    let both = |n: &str| match n {
        "AWS_ENDPOINT_URL_LAMBDA" => Some("http://lambda:1".to_string()),
        "AWS_ENDPOINT_URL" => Some("http://all:2".to_string()),
        _ => None,
    };
    let general = |n: &str| (n == "AWS_ENDPOINT_URL").then(|| "http://all:2".to_string());
    let base = Path::new("/p");
    let c = ProjectConfig::parse("", "f", base, &both).unwrap();
    assert_eq!(c.lambda.endpoint.as_deref(), Some("http://lambda:1"));
    let c = ProjectConfig::parse("", "f", base, &general).unwrap();
    assert_eq!(c.lambda.endpoint.as_deref(), Some("http://all:2"));
    let c = ProjectConfig::parse("[lambda]\nendpoint = \"http://file:3\"", "f", base, &both).unwrap();
    assert_eq!(c.lambda.endpoint.as_deref(), Some("http://file:3"));
    assert_eq!(ProjectConfig::defaults(base, &no_env).lambda.endpoint, None);
}

#[test]
fn broken_files_name_the_key() {
    let (key, line, msg) = invalid("region = \"us-east-1\"\n[resources.Thumb]\ncomand = [\"x\"]\n");
    assert_eq!((key.as_str(), line), ("resources.Thumb.comand", 3));
    assert!(msg.contains("unknown field `comand`"), "{msg}");

    let (key, line, msg) = invalid("[resources.\"arn:aws:lambda:us-east-1:1:function:F\"]\nhttp = \"http://h\"\ntimeout_seconds = \"ten\"\n");
    assert_eq!(
        (key.as_str(), line),
        ("resources.\"arn:aws:lambda:us-east-1:1:function:F\".timeout_seconds", 3)
    );
    assert!(msg.contains("invalid type"), "{msg}");

    let (key, line, msg) = invalid("\n[resources.Both]\ncommand = [\"a\"]\nhttp = \"http://h\"\n");
    assert_eq!((key.as_str(), line), ("resources.Both", 2)); // the table header
    assert!(msg.contains("exactly one of"), "{msg}");

    let (key, _, msg) = invalid("[resources.None]\ntimeout_seconds = 3\n");
    assert_eq!(key, "resources.None");
    assert!(msg.contains("exactly one of"), "{msg}");

    let (key, line, _) = invalid("[resources.U]\nhttp = \"not a url\"\n");
    assert_eq!((key.as_str(), line), ("resources.U.http", 2));

    let (key, _, _) = invalid("[resources.E]\ncommand = []\n");
    assert_eq!(key, "resources.E.command");

    let (key, _, _) = invalid("[resources.H]\nhttp = \"http://h\"\ncwd = \"x\"\n");
    assert_eq!(key, "resources.H.cwd");

    let (key, line, msg) = invalid("version = 2\n");
    assert_eq!((key.as_str(), line), ("version", 1));
    assert!(msg.contains("unsupported version 2"), "{msg}");

    let (key, _, _) = invalid("account = \"12345\"\n");
    assert_eq!(key, "account");

    let (key, _, _) = invalid("[lambda]\nendpoint = \"ftp://x\"\n");
    assert_eq!(key, "lambda.endpoint");

    let (key, _, msg) = invalid("[activities.A]\nwebhook = \"http://h\"\n");
    assert_eq!(key, "activities.A");
    assert!(msg.contains("secret"), "{msg}");

    let (key, _, msg) = invalid("[activities.A]\nwebhook = \"http://h\"\nsecret_env = \"UNSET_VAR\"\n");
    assert_eq!(key, "activities.A.secret_env");
    assert!(msg.contains("UNSET_VAR"), "{msg}");

    let (key, _, msg) =
        invalid("[resources.\"arn:aws:states:::sqs:sendMessage\"]\nlambda_endpoint = \"http://h\"\n");
    assert_eq!(key, "resources.\"arn:aws:states:::sqs:sendMessage\".lambda_endpoint");
    assert!(msg.contains("Lambda"), "{msg}");

    let (key, line, _) = invalid("region = \"us-east-1\"\n[resources\n");
    assert_eq!((key.as_str(), line), ("", 2));

    let (key, _, _) = invalid("regoin = \"x\"\n");
    assert_eq!(key, "regoin");
}

#[test]
fn errors_display_file_line_column_and_key() {
    let err = parse("\n\n[resources.T]\nhttp = 5\n").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("statecraft.toml:4:"), "{text}");
    assert!(text.contains("`resources.T.http`"), "{text}");
    // A directory with a file loads it; one without gets the defaults.
    assert_eq!(
        ProjectConfig::find(&fixtures()).unwrap().activity("Approve").map(|a| a.webhook.as_str()),
        Some("http://127.0.0.1:7070/tasks")
    );
    let bare = ProjectConfig::find(&fixtures().join("handlers")).unwrap();
    assert!(bare.resources.is_empty() && bare.data_dir.ends_with("handlers/.statecraft"));
    let missing = ProjectConfig::load(Path::new("/nonexistent/statecraft.toml")).unwrap_err();
    assert!(matches!(missing, Error::Read { .. }), "{missing}");
}

#[test]
fn the_aws_table_overrides_integration_endpoints() {
    let c = parse(
        "[aws]\nregion = \"eu-west-1\"\nendpoint_url = \"http://127.0.0.1:5000\"\nendpoints = { sqs = \"http://127.0.0.1:9324\" }\nlambda_function_arns = true\n",
    )
    .unwrap();
    assert_eq!(c.aws.region.as_deref(), Some("eu-west-1"));
    assert_eq!(c.aws.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
    assert_eq!(c.aws.endpoints.get("sqs").map(String::as_str), Some("http://127.0.0.1:9324"));
    assert!(c.aws.lambda_function_arns);
    assert_eq!(parse("").unwrap().aws, Default::default());

    let (key, line, msg) = invalid("[aws]\nendpoints = { kinesis = \"http://h\" }\n");
    assert_eq!((key.as_str(), line), ("aws.endpoints.kinesis", 2));
    assert!(msg.contains("expected one of sqs, sns"), "{msg}");
    let (key, _, _) = invalid("[aws]\nendpoint_url = \"ftp://h\"\n");
    assert_eq!(key, "aws.endpoint_url");
    let (key, _, _) = invalid("[aws]\nregion = \"EU\"\n");
    assert_eq!(key, "aws.region");
    let (key, _, msg) = invalid("[aws]\nendpoint = \"http://h\"\n");
    assert_eq!(key, "aws.endpoint");
    assert!(msg.contains("unknown field"), "{msg}");
}
