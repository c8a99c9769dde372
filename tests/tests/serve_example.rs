//! `examples/image-pipeline` through `statecraft serve`, as its README runs it (`upload.py`
//! against the server started with the example's `statecraft.toml`), on a copy of the
//! example in a temporary directory. Checks the stored results, the thumbnail, the retry of
//! the flaky step and the fallback. Needs `python3` (standard library only); skips loudly
//! without it.

mod common;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use common::*;
use serde_json::{json, Value};
use statecraft_tests::serve::ServeOptions;
use statecraft_tests::{copy_example, workspace};
use std::process::Command;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_pipeline_runs_through_serve() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("\n*** SKIPPED: examples/image-pipeline needs python3, which is not on PATH ***\n");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let example = tmp.path().join("image-pipeline");
    copy_example(&workspace().join("examples/image-pipeline"), &example);
    let server =
        ServeOptions::new().config(example.join("statecraft.toml")).data_dir(tmp.path().join("data")).start();
    let sfn = sfn(&server);
    let upload = |image: &str| {
        let out = Command::new("python3")
            .arg(example.join("upload.py"))
            .arg(example.join(image))
            .arg("--endpoint")
            .arg(server.endpoint())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let arn = stdout.lines().find_map(|l| l.strip_prefix("started ")).map(str::to_string);
        (out.status.code(), stdout, String::from_utf8_lossy(&out.stderr).into_owned(), arn)
    };

    // A picture: metadata, labels, colours, a thumbnail after one retry, the result stored.
    let (code, stdout, stderr, arn) = upload("uploads/meadow.ppm");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}\n{}", server.log());
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(example.join("results/meadow.json")).unwrap()).unwrap();
    assert_eq!(stored["image"], json!({"bucket": "uploads", "key": "meadow.ppm"}));
    assert_eq!(stored["metadata"]["format"], "PPM");
    assert_eq!(
        (stored["metadata"]["width"].as_i64(), stored["metadata"]["height"].as_i64()),
        (Some(64), Some(48))
    );
    let labels: Vec<&str> =
        stored["labels"].as_array().unwrap().iter().filter_map(|l| l["Name"].as_str()).collect();
    for want in ["Sky", "Grass", "Sun"] {
        assert!(labels.contains(&want), "labels {labels:?}");
    }
    assert_eq!(stored["colours"][0]["name"], "sky blue", "{}", stored["colours"]);
    assert_eq!(
        stored["thumbnail"],
        json!({"bucket": "thumbnails", "key": "meadow.thumb.ppm", "width": 16, "height": 12})
    );
    let thumb = std::fs::read(example.join("thumbnails/meadow.thumb.ppm")).unwrap();
    assert!(thumb.starts_with(b"P6\n16 12\n255\n") && thumb.len() == 13 + 16 * 12 * 3);

    let arn = arn.expect("upload.py prints the execution ARN");
    let events = history(&sfn, &arn).await;
    let failed: Vec<String> = events
        .iter()
        .filter_map(|e| e.lambda_function_failed_event_details.as_ref())
        .map(|d| d.error.clone().unwrap_or_default())
        .collect();
    assert_eq!(failed, ["ThumbnailServiceBusy"], "the flaky step failed once and was retried");
    let thumbnail_entered = events
        .iter()
        .filter(|e| e.state_entered_event_details.as_ref().is_some_and(|d| d.name == "Thumbnail"))
        .count();
    assert_eq!(thumbnail_entered, 1, "a retry stays in the state");
    // Recorded AWS histories of Parallel states have no ParallelStateSucceeded.
    let parallel = [HistoryEventType::ParallelStateStarted, HistoryEventType::ParallelStateExited];
    assert_eq!(events.iter().filter(|e| parallel.contains(&e.r#type)).count(), 2, "{:?}", types(&events));

    // Too small for a thumbnail: the Catch falls back to a description.
    let (code, stdout, stderr, _) = upload("uploads/icon.ppm");
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(example.join("results/icon.json")).unwrap()).unwrap();
    assert_eq!(stored["thumbnail"]["fallback"], true);
    assert_eq!(
        stored["thumbnail"]["description"], "4x3 PPM image, mostly white; no thumbnail: ImageTooSmall",
        "{}",
        stored["thumbnail"]
    );

    // Not an image: the type check rejects it.
    let (code, stdout, _, arn) = upload("uploads/notes.txt");
    assert_eq!(code, Some(1), "{stdout}");
    let d = wait_status(&sfn, &arn.unwrap(), ExecutionStatus::Failed, Duration::from_secs(30)).await;
    assert_eq!(d.error.as_deref(), Some("NotSupportedImageType"));
    assert!(!example.join("results/notes.json").exists());
}
