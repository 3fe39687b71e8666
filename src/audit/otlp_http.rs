//! The HTTP client the OTLP export posts with: blocking, on the
//! OpenTelemetry SDK's own export thread.
//!
//! The OTLP exporter takes any client behind an `async` trait; the
//! clients it ships with run on tokio. The core crate runs no async
//! runtime, and the SDK's batch processor already exports from a
//! dedicated thread that blocks on each export, so a blocking client
//! (`ureq`, with rustls for `https`) answers the trait's future at once.
//! Each post is bounded by the export timeout; a non-2xx answer is an
//! error the SDK reports. Cost: one HTTP request per batch.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use opentelemetry_http::{HttpClient, HttpError};

/// A blocking OTLP/HTTP client.
#[derive(Debug, Clone)]
pub struct BlockingClient {
    agent: ureq::Agent,
    failures: Failures,
}

/// The posts that failed so far, and the last reason (shared with the
/// export, which the SDK does not tell).
#[derive(Debug, Clone, Default)]
pub struct Failures(Arc<Mutex<(u64, String)>>);

impl Failures {
    fn note(&self, why: String) {
        if let Ok(mut f) = self.0.lock() {
            f.0 += 1;
            f.1 = why;
        }
    }

    /// How many posts failed, and the last reason.
    pub fn get(&self) -> (u64, String) {
        self.0.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

impl BlockingClient {
    /// A client whose every request ends within `timeout`.
    pub fn new(timeout: Duration, failures: Failures) -> BlockingClient {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        BlockingClient { agent, failures }
    }
}

#[async_trait::async_trait]
impl HttpClient for BlockingClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let sent = self.send(request);
        match &sent {
            Err(e) => self.failures.note(e.to_string()),
            Ok(r) if !r.status().is_success() => self
                .failures
                .note(format!("the collector answered {}", r.status())),
            Ok(_) => {}
        }
        sent
    }
}

impl BlockingClient {
    fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let request = request.map(|body| body.to_vec());
        let mut response = self.agent.run(request).map_err(Box::new)?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(Box::new)?;
        let mut out = Response::new(Bytes::from(body));
        *out.status_mut() = status;
        Ok(out)
    }
}
