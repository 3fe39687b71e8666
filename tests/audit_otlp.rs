//! Audit records exported to OpenTelemetry logs over OTLP/HTTP, received by
//! a loopback OTLP receiver that decodes with the OpenTelemetry project's
//! own generated types (`opentelemetry-proto`): every record arrives, in
//! chain order, with the sealed line as its body (so the collector-side
//! copy verifies as a trail) and the attributes named; `eval
//! --audit-otlp` does the same; an endpoint that is down is reported,
//! while the trail keeps every decision.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Scratch;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use portcullis::audit::otlp::OtlpExport;
use portcullis::audit::{self, AuditLog, FileOptions, Options, RecordFn};
use portcullis::{Engine, Request};
use prost::Message;
use serde_json::json;

/// A loopback OTLP/HTTP logs receiver: every record of every export, in
/// arrival order, and the paths posted to.
struct Receiver {
    url: String,
    records: Arc<Mutex<Vec<LogRecord>>>,
    paths: Arc<Mutex<Vec<String>>>,
}

fn serve(stream: TcpStream, records: &Mutex<Vec<LogRecord>>, paths: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let export =
            ExportLogsServiceRequest::decode(body.as_slice()).expect("an OTLP logs export");
        for resource in export.resource_logs {
            for scope in resource.scope_logs {
                records.lock().unwrap().extend(scope.log_records);
            }
        }
        paths.lock().unwrap().push(path);
        let _ = out.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
        );
    }
}

fn receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let records = Arc::new(Mutex::new(Vec::new()));
    let paths = Arc::new(Mutex::new(Vec::new()));
    let (r, p) = (Arc::clone(&records), Arc::clone(&paths));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (r, p) = (Arc::clone(&r), Arc::clone(&p));
            std::thread::spawn(move || serve(stream, &r, &p));
        }
    });
    Receiver {
        url,
        records,
        paths,
    }
}

fn body(record: &LogRecord) -> String {
    match record.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(Any::StringValue(s)) => s.clone(),
        other => panic!("the body is not the sealed line: {other:?}"),
    }
}

fn attribute(record: &LogRecord, key: &str) -> Option<String> {
    record
        .attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
        .map(|v| match v {
            Any::StringValue(s) => s.clone(),
            Any::IntValue(i) => i.to_string(),
            other => format!("{other:?}"),
        })
}

fn requests() -> Vec<Request> {
    (0..40)
        .map(|i| {
            match i % 4 {
                0 => Request::command(format!("ls -la /tmp/d{i}")),
                1 => Request::command("rm -rf /"),
                2 => Request::tool("mcp__db__query", json!({"query": "DROP TABLE users"})),
                _ => Request::http("POST", format!("https://unknown{i}.example/upload")),
            }
            .with_id(json!(format!("call_{i}")))
        })
        .collect()
}

#[test]
fn every_record_arrives_in_order_with_its_sealed_line_and_named_attributes() {
    let receiver = receiver();
    let scratch = Scratch::new("audit-otlp");
    let trail = scratch.join("audit.jsonl");
    let export = Arc::new(OtlpExport::new(&receiver.url, Duration::from_secs(5)).unwrap());
    let to_export = Arc::clone(&export);
    let log = AuditLog::open(
        &trail,
        FileOptions::default(),
        Options {
            on_record: Some(Arc::new(move |line: &str| to_export.export(line)) as RecordFn),
            ..Options::default()
        },
    )
    .unwrap();
    let engine = Engine::default_policy().unwrap();
    for r in requests() {
        engine.decide_audited(&r, &log);
    }
    log.close().unwrap();
    export.shutdown().unwrap();
    let records = receiver.records.lock().unwrap();
    assert_eq!(records.len(), 40);
    assert!(receiver
        .paths
        .lock()
        .unwrap()
        .iter()
        .all(|p| p == "/v1/logs"));
    // In chain order, each body the trail's line byte for byte.
    let lines: Vec<String> = std::fs::read_to_string(&trail)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let bodies: Vec<String> = records.iter().map(body).collect();
    assert_eq!(bodies, lines);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(attribute(r, "portcullis.seq"), Some((i + 1).to_string()));
    }
    // The collector-side copy verifies as a trail.
    let copy = scratch.join("collector-copy.jsonl");
    std::fs::write(&copy, bodies.join("\n") + "\n").unwrap();
    let v = audit::verify_files(&[copy], None, false, None).unwrap();
    assert_eq!(v.records, 40);
    // Attributes: GenAI names for tool calls, Portcullis's own for the rest.
    let tool = &records[2];
    assert_eq!(
        attribute(tool, "gen_ai.tool.name").as_deref(),
        Some("mcp__db__query")
    );
    assert_eq!(
        attribute(tool, "gen_ai.tool.call.id").as_deref(),
        Some("call_2")
    );
    assert_eq!(
        attribute(tool, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    let rm = &records[1];
    assert_eq!(attribute(rm, "portcullis.effect").as_deref(), Some("deny"));
    assert_eq!(rm.severity_text, "deny");
    assert!(attribute(rm, "portcullis.rule").is_some());
    assert_eq!(
        attribute(rm, "portcullis.command").as_deref(),
        Some("rm -rf /")
    );
    assert!(attribute(rm, "gen_ai.tool.name").is_none());
    assert_eq!(rm.event_name, "portcullis.decision");
    assert!(rm.time_unix_nano > 0);
    let post = &records[3];
    assert_eq!(
        attribute(post, "http.request.method").as_deref(),
        Some("POST")
    );
    assert!(attribute(post, "url.full").is_some());
    assert_eq!(
        attribute(post, "portcullis.hash"),
        Some(
            serde_json::from_str::<serde_json::Value>(&lines[3]).unwrap()["hash"]
                .as_str()
                .unwrap()
                .to_owned()
        )
    );
}

#[test]
fn eval_exports_its_trail_and_an_unreachable_endpoint_is_reported() {
    let receiver = receiver();
    let scratch = Scratch::new("audit-otlp-eval");
    let trail = scratch.join("audit.jsonl");
    let trail = trail.to_str().unwrap();
    let input = "{\"id\": 1, \"command\": \"ls\"}\n{\"id\": 2, \"command\": \"rm -rf /\"}\n";
    let out = common::portcullis_with_stdin(
        &["eval", "--audit", trail, "--audit-otlp", &receiver.url],
        input,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let records = receiver.records.lock().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(
        attribute(&records[1], "portcullis.effect").as_deref(),
        Some("deny")
    );
    drop(records);
    // Nothing listens on this port: the decisions and the trail are
    // whole, and eval says the export failed.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let trail2 = scratch.join("down.jsonl");
    let trail2 = trail2.to_str().unwrap();
    let out =
        common::portcullis_with_stdin(&["eval", "--audit", trail2, "--audit-otlp", &url], input);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("OTLP export"),
        "{out:?}"
    );
    assert_eq!(
        common::verify_trail(std::path::Path::new(trail2))
            .unwrap()
            .records,
        2
    );
    // A scheme OTLP/HTTP does not speak is refused before anything runs.
    let out = common::portcullis_with_stdin(
        &[
            "eval",
            "--audit",
            trail2,
            "--audit-otlp",
            "grpc://127.0.0.1:4317",
        ],
        input,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
