//! Audit records as OpenTelemetry logs, over OTLP/HTTP.
//!
//! A trail on one host's disk reaches nobody's log pipeline; every
//! observability stack takes OTLP. [`OtlpExport`] turns each sealed record
//! into a log record: the body is the sealed line itself, byte for byte, so
//! a collector-side copy can be re-verified with the chain; attributes
//! follow the OpenTelemetry GenAI conventions for tool execution where
//! they fit (`gen_ai.operation.name: execute_tool`, `gen_ai.tool.name`,
//! `gen_ai.tool.call.id`), the general ones for HTTP and sessions
//! (`url.full`, `http.request.method`, `session.id`), and Portcullis's own
//! names for the rest (`portcullis.effect`, `.rule`, `.seq`, `.hash`, …);
//! the severity is the effect (`deny` WARN, `ask` and `allow` INFO), the
//! event name `portcullis.decision` (or `portcullis.recovery`,
//! `portcullis.overflow`). It is an export, not the record of truth:
//! hand it the lines a file trail writes (`Options::on_record`), and a
//! collector that was down shows as a gap in `portcullis.seq`. The
//! OpenTelemetry SDK's batch processor queues records on its own thread
//! and posts them with a blocking client ([`super::otlp_http`]), so no
//! async runtime is involved. Cost on the writing thread: one parse of the
//! sealed line and one queue push per record.

use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::logs::{
    BatchConfigBuilder, BatchLogProcessor, SdkLogger, SdkLoggerProvider,
};
use opentelemetry_sdk::Resource;
use serde_json::Value;

use super::otlp_http::{BlockingClient, Failures};

/// The instrumentation scope of the exported records.
pub const SCOPE: &str = "portcullis.audit";

/// Exports sealed audit records as OpenTelemetry logs.
pub struct OtlpExport {
    provider: SdkLoggerProvider,
    logger: SdkLogger,
    failures: Failures,
}

impl std::fmt::Debug for OtlpExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpExport").finish_non_exhaustive()
    }
}

/// The logs endpoint for `url`: a URL without a path gets OTLP's `/v1/logs`.
pub fn logs_endpoint(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("OTLP endpoint {url}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "OTLP endpoint {url}: the scheme must be http or https (OTLP/HTTP)"
        ));
    }
    Ok(match parsed.path() {
        "" | "/" => format!("{}/v1/logs", url.trim_end_matches('/')),
        _ => url.to_owned(),
    })
}

impl OtlpExport {
    /// An export to the OTLP/HTTP endpoint `url` (`http://127.0.0.1:4318`
    /// or a full `…/v1/logs` URL), each post bounded by `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Result<OtlpExport, String> {
        let endpoint = logs_endpoint(url)?;
        let failures = Failures::default();
        let exporter = opentelemetry_otlp::LogExporter::builder()
            .with_http()
            .with_http_client(BlockingClient::new(timeout, failures.clone()))
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_timeout(timeout)
            .build()
            .map_err(|e| format!("OTLP exporter: {e}"))?;
        let processor = BatchLogProcessor::builder(exporter)
            .with_batch_config(
                BatchConfigBuilder::default()
                    .with_max_queue_size(65_536)
                    .with_scheduled_delay(Duration::from_millis(200))
                    .build(),
            )
            .build();
        let provider = SdkLoggerProvider::builder()
            .with_log_processor(processor)
            .with_resource(Resource::builder().with_service_name("portcullis").build())
            .build();
        let logger = provider.logger(SCOPE);
        Ok(OtlpExport {
            provider,
            logger,
            failures,
        })
    }

    /// Queues the sealed record `line` for export. A line that is not a
    /// record is exported as its text with `portcullis.malformed: true`.
    pub fn export(&self, line: &str) {
        let mut log = self.logger.create_log_record();
        log.set_body(AnyValue::String(line.to_owned().into()));
        log.set_observed_timestamp(SystemTime::now());
        match serde_json::from_str::<Value>(line) {
            Ok(record) => {
                let (event, severity, text) = classify(&record);
                log.set_event_name(event);
                log.set_severity_number(severity);
                log.set_severity_text(text);
                if let Some(at) = record.get("ts").and_then(Value::as_str).and_then(parse_ts) {
                    log.set_timestamp(at);
                }
                for (key, value) in attributes(&record) {
                    log.add_attribute(key, value);
                }
            }
            Err(_) => log.add_attribute("portcullis.malformed", true),
        }
        self.logger.emit(log);
    }

    /// Exports everything queued; an error when any export so far was
    /// refused or could not be delivered.
    pub fn flush(&self) -> Result<(), String> {
        self.provider
            .force_flush()
            .map_err(|e| format!("OTLP export: {e}"))?;
        self.failed()
    }

    /// Exports everything queued and stops the export thread; an error
    /// when any export was refused or could not be delivered.
    pub fn shutdown(&self) -> Result<(), String> {
        self.provider
            .shutdown()
            .map_err(|e| format!("OTLP export: {e}"))?;
        self.failed()
    }

    fn failed(&self) -> Result<(), String> {
        match self.failures.get() {
            (0, _) => Ok(()),
            (n, why) => Err(format!(
                "OTLP export: {n} export(s) failed, the last: {why} (the trail holds every record)"
            )),
        }
    }
}

/// The event name, severity and severity text of `record`.
fn classify(record: &Value) -> (&'static str, Severity, &'static str) {
    match record.get("event").and_then(Value::as_str) {
        Some("recovery") => ("portcullis.recovery", Severity::Warn, "recovery"),
        Some("overflow") => ("portcullis.overflow", Severity::Warn, "overflow"),
        _ => match record.get("effect").and_then(Value::as_str) {
            Some("allow") => ("portcullis.decision", Severity::Info, "allow"),
            Some("ask") => ("portcullis.decision", Severity::Info2, "ask"),
            _ => ("portcullis.decision", Severity::Warn, "deny"),
        },
    }
}

/// `2026-12-04T05:00:00.123Z` as a time.
fn parse_ts(text: &str) -> Option<SystemTime> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    let nanos = u64::try_from(at.unix_timestamp_nanos()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos))
}

/// The attributes of `record`: GenAI and general conventions where they
/// fit, `portcullis.*` for the rest. Only fields the record has.
pub fn attributes(record: &Value) -> Vec<(&'static str, AnyValue)> {
    let text = |pointer: &str| {
        record
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(|s| AnyValue::String(s.to_owned().into()))
    };
    let number = |pointer: &str| {
        record
            .pointer(pointer)
            .and_then(Value::as_u64)
            .and_then(|n| i64::try_from(n).ok())
            .map(AnyValue::Int)
    };
    let mut out: Vec<(&'static str, Option<AnyValue>)> = vec![
        ("portcullis.seq", number("/seq")),
        ("portcullis.hash", text("/hash")),
        ("portcullis.prev", text("/prev")),
        ("portcullis.key", text("/key")),
        ("portcullis.event", text("/event")),
        ("portcullis.effect", text("/effect")),
        ("portcullis.rule", text("/rule")),
        ("portcullis.reason", text("/reason")),
        ("portcullis.kind", text("/kind")),
        ("portcullis.environment", text("/environment")),
        ("portcullis.policy.name", text("/policy/name")),
        ("portcullis.policy.hash", text("/policy/hash")),
        ("portcullis.principal.id", text("/principal/id")),
        ("portcullis.hook", text("/hook")),
        ("portcullis.command", text("/request/command")),
        ("session.id", text("/principal/session")),
        ("url.full", text("/request/http/url")),
        ("http.request.method", text("/request/http/method")),
    ];
    if let Some(tool) = text("/request/tool/name") {
        out.push(("gen_ai.operation.name", Some("execute_tool".into())));
        out.push(("gen_ai.tool.name", Some(tool)));
        let id = record.get("id").and_then(|id| match id {
            Value::String(s) => Some(AnyValue::String(s.clone().into())),
            Value::Number(n) => Some(AnyValue::String(n.to_string().into())),
            _ => None,
        });
        out.push(("gen_ai.tool.call.id", id));
    }
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(record: &Value) -> Vec<&'static str> {
        attributes(record).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn tool_calls_carry_the_genai_attributes_and_commands_do_not() {
        let tool = json!({"seq": 4, "hash": "ab", "prev": "cd", "id": "call_7", "effect": "deny",
            "rule": "r", "kind": "tool", "request": {"tool": {"name": "mcp__db__query"}}});
        let k = keys(&tool);
        for key in [
            "gen_ai.operation.name",
            "gen_ai.tool.name",
            "gen_ai.tool.call.id",
            "portcullis.seq",
            "portcullis.hash",
            "portcullis.effect",
        ] {
            assert!(k.contains(&key), "{key} missing: {k:?}");
        }
        let command = json!({"seq": 1, "effect": "allow", "request": {"command": "ls"}});
        let k = keys(&command);
        assert!(k.contains(&"portcullis.command") && !k.contains(&"gen_ai.tool.name"));
        assert_eq!(
            classify(&json!({"event": "recovery"})).0,
            "portcullis.recovery"
        );
        assert_eq!(classify(&json!({"effect": "deny"})).1, Severity::Warn);
    }

    #[test]
    fn endpoints_get_the_logs_path_and_other_schemes_are_refused() {
        assert_eq!(
            logs_endpoint("http://127.0.0.1:4318").unwrap(),
            "http://127.0.0.1:4318/v1/logs"
        );
        assert_eq!(
            logs_endpoint("https://otel.example/custom/logs").unwrap(),
            "https://otel.example/custom/logs"
        );
        assert!(logs_endpoint("grpc://127.0.0.1:4317").is_err());
        assert!(logs_endpoint("not a url").is_err());
        assert!(parse_ts("2026-12-04T05:00:00.123Z").is_some());
    }
}
