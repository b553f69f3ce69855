//! The HTTP server: latency, faults, rate limits, dispatch, request log.

use crate::control;
use crate::faults::{FaultAction, Faults, Latency, LoggedRequest, RequestLog, When};
use crate::http::{Family, Reply, Req};
use crate::model::World;
use crate::routes::Router;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

const MAX_BODY: usize = 32 * 1024 * 1024;

/// Everything the server shares between connections.
pub struct Shared {
    pub world: Mutex<World>,
    pub initial: World,
    pub faults: Mutex<Faults>,
    pub latency: Mutex<Latency>,
    pub log: Mutex<RequestLog>,
    rate: Mutex<HashMap<String, (u64, u32)>>,
    router: Router,
    pub quiet: bool,
}

impl Shared {
    pub fn new(world: World, seed: u64, latency: Latency, quiet: bool) -> Self {
        Self {
            initial: world.clone(),
            world: Mutex::new(world),
            faults: Mutex::new(Faults::new(seed)),
            latency: Mutex::new(latency),
            log: Mutex::new(RequestLog::default()),
            rate: Mutex::new(HashMap::new()),
            router: Router::default(),
            quiet,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Returned to hyper to close the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until `shutdown` resolves.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                    let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
                });
            }
            () = &mut shutdown => break,
        }
    }
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, DropConnection> {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let auth = request.headers().get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Ok(respond(Family::Kafka.error(413, 413, "Request body too large"))),
    };
    let req = Req::new(&method, &target, auth.as_deref(), body);
    let family = Family::of(&req.segments);
    if family == Family::Control {
        return Ok(respond(control::handle(&shared, &req)));
    }

    let delay = lock(&shared.latency).for_request(&method, &req.segments);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut fault = None;
    let mut reply = None;
    let before = lock(&shared.faults).strike(When::Before, &method, &req.segments);
    match before {
        Some(FaultAction::Drop) => {
            record(&shared, &req, "(fault)", 0, started, Some("drop".into()));
            return Err(DropConnection);
        }
        Some(FaultAction::Status { status, retry_after }) => {
            fault = Some(format!("status {status}"));
            reply = Some(fault_reply(family, status, retry_after));
        }
        Some(FaultAction::Timeout) => {
            fault = Some("timeout".into());
            reply = Some(timeout_reply(family));
        }
        Some(FaultAction::Delay { ms }) => {
            fault = Some(format!("delay {ms}ms"));
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        None => {}
    }
    let (mut reply, route) = match reply {
        Some(r) => (r, "(fault)".to_owned()),
        None => match rate_limited(&shared, family, &req) {
            Some(r) => (r, "(rate limited)".to_owned()),
            None => {
                let mut world = lock(&shared.world);
                shared.router.dispatch(&mut world, &req)
            }
        },
    };
    let after = lock(&shared.faults).strike(When::After, &method, &req.segments);
    match after {
        Some(FaultAction::Drop) => {
            record(&shared, &req, &route, 0, started, Some("drop after".into()));
            return Err(DropConnection);
        }
        Some(FaultAction::Status { status, retry_after }) => {
            fault = Some(format!("status {status} after"));
            reply = fault_reply(family, status, retry_after);
        }
        Some(FaultAction::Timeout) => {
            fault = Some("timeout after".into());
            reply = timeout_reply(family);
        }
        Some(FaultAction::Delay { ms }) => {
            fault = Some(format!("delay {ms}ms after"));
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        None => {}
    }
    if matches!(family, Family::Cloud | Family::CloudConnect) {
        reply = add_rate_headers(&shared, &req, reply);
    }
    record(&shared, &req, &route, reply.status, started, fault);
    Ok(respond(reply))
}

fn fault_reply(family: Family, status: u16, retry_after: Option<u32>) -> Reply {
    let message = match status {
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error (injected)",
    };
    let reply = family.error(status, u32::from(status), message);
    match retry_after {
        Some(s) => reply.header("Retry-After", s.to_string()),
        None => reply,
    }
}

/// Connect's answer when a request outlives `RestServer`'s timeout (`ConnectorsResource`).
fn timeout_reply(family: Family) -> Reply {
    family.error(500, 500, "Request timed out")
}

fn rate_key(req: &Req) -> String {
    req.basic.as_ref().map_or_else(|| "anonymous".to_owned(), |(k, _)| k.clone())
}

fn current_second() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A per-key, per-second window; 429 with `Retry-After` past the limit. Kafka REST has
/// its own limit (Cloud throttles it separately from the control plane) and window.
fn rate_limited(shared: &Shared, family: Family, req: &Req) -> Option<Reply> {
    let behaviour = lock(&shared.world).behaviour.clone();
    let (limit, window) = match family {
        Family::Cloud | Family::CloudConnect => (behaviour.rate_limit_per_second, rate_key(req)),
        Family::Kafka => (behaviour.kafka_rate_limit_per_second, format!("kafka {}", rate_key(req))),
        Family::Connect | Family::Control => (0, String::new()),
    };
    if limit == 0 {
        return None;
    }
    let now = current_second();
    let mut rate = lock(&shared.rate);
    let entry = rate.entry(window).or_insert((now, 0));
    if entry.0 != now {
        *entry = (now, 0);
    }
    entry.1 += 1;
    (entry.1 > limit).then(|| fault_reply(family, 429, Some(1)))
}

fn add_rate_headers(shared: &Shared, req: &Req, reply: Reply) -> Reply {
    let configured = lock(&shared.world).behaviour.rate_limit_per_second;
    let limit = if configured == 0 { 1000 } else { configured };
    let now = current_second();
    let used = lock(&shared.rate).get(&rate_key(req)).filter(|(s, _)| *s == now).map_or(0, |(_, n)| *n);
    reply
        .header("X-RateLimit-Limit", limit.to_string())
        .header("X-RateLimit-Remaining", limit.saturating_sub(used).to_string())
        .header("X-RateLimit-Reset", "1")
}

fn record(shared: &Shared, req: &Req, route: &str, status: u16, started: Instant, fault: Option<String>) {
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let query = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    if !shared.quiet {
        // Credentials travel in headers, which are never logged.
        let line = serde_json::json!({"level": "info", "msg": "request", "method": req.method, "path": req.path,
            "status": status, "micros": micros, "fault": fault});
        eprintln!("{line}");
    }
    lock(&shared.log).record(LoggedRequest {
        seq: 0,
        method: req.method.clone(),
        path: req.path.clone(),
        query,
        route: route.to_owned(),
        status,
        micros,
        fault,
    });
}

fn respond(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        builder = builder.header(k, v);
    }
    let body = match (reply.body, reply.raw) {
        (Some(v), _) => {
            builder = builder.header("Content-Type", "application/json");
            Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
        }
        (None, Some(raw)) => {
            builder = builder.header("Content-Type", "application/json");
            Bytes::from(raw)
        }
        (None, None) => Bytes::new(),
    };
    builder.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
