//! Every environment variable of every tool, defined once. The README's variable
//! reference is generated from this table (`reconcile::settings::markdown_table`).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tool {
    Topic,
    ApiKey,
    Connect,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Topic => "ccloud-topic",
            Tool::ApiKey => "ccloud-api-key",
            Tool::Connect => "connect-apply",
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Bool,
    Duration,
    Count,
    Text,
    /// Never shown in errors, logs or reports.
    Secret,
    List,
    Path,
    Url,
    Selector,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Bool => "boolean",
            Type::Duration => "duration",
            Type::Count => "count",
            Type::Text => "text",
            Type::Secret => "secret",
            Type::List => "list",
            Type::Path => "path",
            Type::Url => "URL",
            Type::Selector => "label selector",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub name: &'static str,
    pub ty: Type,
    pub default: Option<&'static str>,
    pub tools: &'static [Tool],
    /// An older name still read when this one is unset.
    pub alias: Option<&'static str>,
    pub doc: &'static str,
}

const ALL_TOOLS: &[Tool] = &[Tool::Topic, Tool::ApiKey, Tool::Connect];
const CCLOUD: &[Tool] = &[Tool::Topic, Tool::ApiKey];
const CONNECT: &[Tool] = &[Tool::Connect];

const fn setting(
    name: &'static str,
    ty: Type,
    default: Option<&'static str>,
    tools: &'static [Tool],
    doc: &'static str,
) -> Setting {
    Setting { name, ty, default, tools, alias: None, doc }
}

// Run model, every tool.
pub const DRY_RUN: Setting =
    setting("DRY_RUN", Type::Bool, Some("false"), ALL_TOOLS, "Plan and validate on the server; change nothing.");
pub const HOOK_DEADLINE: Setting = setting(
    "HOOK_DEADLINE",
    Type::Duration,
    Some("4m"),
    ALL_TOOLS,
    "Bound on the whole run, so a hook never hangs its queue; every request's timeout is cut to what remains.",
);
pub const CONCURRENCY: Setting =
    setting("CONCURRENCY", Type::Count, Some("8"), ALL_TOOLS, "Writes in flight at the same time.");
pub const WATCH_NAMESPACES: Setting = setting(
    "WATCH_NAMESPACES",
    Type::List,
    None,
    ALL_TOOLS,
    "Namespaces whose ConfigMaps are watched (comma-separated); default: the pod's namespace.",
);
pub const RESYNC_SCHEDULE: Setting = setting(
    "RESYNC_SCHEDULE",
    Type::Text,
    Some("*/5 * * * *"),
    ALL_TOOLS,
    "Crontab of the periodic full reconcile that runs without any event.",
);
pub const POD_NAMESPACE: Setting = setting(
    "POD_NAMESPACE",
    Type::Text,
    None,
    ALL_TOOLS,
    "The hook's own namespace (records live there); default: the service account's namespace file, else `default`.",
);
pub const INSTANCE_ID: Setting = Setting {
    alias: Some("INSTANCE_NAME"),
    ..setting(
        "INSTANCE_ID",
        Type::Text,
        None,
        ALL_TOOLS,
        "This deployment's unique id in the Confluent organisation (for example `<k8s-cluster>-<namespace>`), written into the owner token of everything it creates and into the name of its record ConfigMaps. Unset: the token is `ns:<namespace>` (never equal to an explicit id) and nothing is deleted that this deployment did not record itself. Never reuse one, never use a bare namespace name. `INSTANCE_NAME` is read when unset.",
    )
};

// Deletion switches, every tool and every kind.
pub const ALLOW_DELETE: Setting = setting(
    "ALLOW_DELETE",
    Type::List,
    Some("false"),
    ALL_TOOLS,
    "Which kinds may be deleted: `true` (all), `false` (none), or a list of `topic`, `acl`, `api-key`, `service-account`, `connector`.",
);
pub const MAX_DELETIONS_PER_RUN: Setting = setting(
    "MAX_DELETIONS_PER_RUN",
    Type::Count,
    Some("5"),
    ALL_TOOLS,
    "Deletions one run may make, across every kind and cluster; above it, none is made.",
);
pub const PROTECTED_RESOURCES: Setting = setting(
    "PROTECTED_RESOURCES",
    Type::List,
    None,
    ALL_TOOLS,
    "Patterns (`*`, `?`) of names never deleted, as `kind:pattern` or `pattern` for every kind.",
);
pub const PROTECTED_TOPICS: Setting = setting(
    "PROTECTED_TOPICS",
    Type::List,
    None,
    &[Tool::Topic],
    "Topic name patterns never deleted (same as `topic:` entries of `PROTECTED_RESOURCES`).",
);

// Confluent Cloud and Kafka REST.
pub const CONFLUENT_CLOUD_API_KEY: Setting = setting(
    "CONFLUENT_CLOUD_API_KEY",
    Type::Text,
    None,
    ALL_TOOLS,
    "Cloud API key: environment and cluster lookups, service accounts, API keys, managed connectors.",
);
pub const CONFLUENT_CLOUD_API_SECRET: Setting =
    setting("CONFLUENT_CLOUD_API_SECRET", Type::Secret, None, ALL_TOOLS, "Its secret.");
pub const CONFLUENT_CLOUD_ENDPOINT: Setting =
    setting("CONFLUENT_CLOUD_ENDPOINT", Type::Url, Some("https://api.confluent.cloud"), ALL_TOOLS, "The Cloud API.");
pub const KAFKA_API_KEY: Setting =
    setting("KAFKA_API_KEY", Type::Text, None, CCLOUD, "The cluster API key for Kafka REST (every cluster).");
pub const KAFKA_API_SECRET: Setting = setting("KAFKA_API_SECRET", Type::Secret, None, CCLOUD, "Its secret.");
pub const KAFKA_CREDENTIALS_FILE: Setting = setting(
    "KAFKA_CREDENTIALS_FILE",
    Type::Path,
    None,
    CCLOUD,
    "Several clusters: a JSON/YAML map `{lkc-…: {key, secret}}`, or a mounted Secret directory with one `{\"key\",\"secret\"}` file per cluster id.",
);
pub const KAFKA_REST_ENDPOINT: Setting = setting(
    "KAFKA_REST_ENDPOINT",
    Type::Url,
    None,
    CCLOUD,
    "Direct mode (Confluent Platform, or one known cluster), with `KAFKA_ID`: no Cloud lookups. Ending in `/v3`: a REST Proxy; otherwise `/kafka/v3` is appended.",
);
pub const KAFKA_ID: Setting = setting("KAFKA_ID", Type::Text, None, CCLOUD, "Direct mode: the cluster id.");
pub const KAFKA_CLUSTER_NAME: Setting = setting(
    "KAFKA_CLUSTER_NAME",
    Type::Text,
    None,
    CCLOUD,
    "Direct mode: which declared cluster the direct target is, when several are declared.",
);
pub const CCLOUD_SPEC_SELECTOR: Setting = setting(
    "CCLOUD_SPEC_SELECTOR",
    Type::Selector,
    Some("destination=ccloud"),
    CCLOUD,
    "Labels of the `destination=ccloud` spec ConfigMaps (`k=v,k=v`).",
);

// ccloud-topic.
pub const RESET_UNDECLARED_CONFIGS: Setting = setting(
    "RESET_UNDECLARED_CONFIGS",
    Type::List,
    None,
    &[Tool::Topic],
    "Clusters (names or ids, `*` for all) whose topic configs that no ConfigMap declares are reset to the default.",
);

// ccloud-api-key.
pub const API_KEY_MAX_AGE: Setting = setting(
    "API_KEY_MAX_AGE",
    Type::Duration,
    None,
    &[Tool::ApiKey],
    "Rotate keys older than this (an `api-key` entry's `max-age` wins); unset: never.",
);
pub const ROTATION_GRACE: Setting = setting(
    "ROTATION_GRACE",
    Type::Duration,
    Some("24h"),
    &[Tool::ApiKey],
    "How long a rotated key lives on beside its successor before it is deleted.",
);
pub const ORPHAN_GRACE: Setting = setting(
    "ORPHAN_GRACE",
    Type::Duration,
    Some("15m"),
    &[Tool::ApiKey],
    "A key of this deployment younger than this that no Secret holds is a delivery in flight: never minted again, never deleted.",
);
pub const KEY_READY_TIMEOUT: Setting = setting(
    "KEY_READY_TIMEOUT",
    Type::Duration,
    Some("0s"),
    &[Tool::ApiKey],
    "Wait (bounded) until a new Kafka key authenticates before reporting it; `0s`: do not wait.",
);

// connect-apply.
pub const CONNECT_SPEC_SELECTOR: Setting = setting(
    "CONNECT_SPEC_SELECTOR",
    Type::Selector,
    Some("destination=connect"),
    CONNECT,
    "Labels of the connector ConfigMaps (`k=v,k=v`).",
);
pub const CONNECT_URL: Setting =
    setting("CONNECT_URL", Type::Url, Some("http://connect"), CONNECT, "The self-managed Connect worker's REST API.");
pub const CONNECT_BASIC_AUTH_USER: Setting =
    setting("CONNECT_BASIC_AUTH_USER", Type::Text, None, CONNECT, "Basic auth user for the worker.");
pub const CONNECT_BASIC_AUTH_PASSWORD: Setting =
    setting("CONNECT_BASIC_AUTH_PASSWORD", Type::Secret, None, CONNECT, "Its password.");
pub const CONNECT_CA_FILE: Setting = setting(
    "CONNECT_CA_FILE",
    Type::Path,
    None,
    CONNECT,
    "A private CA (PEM) for the worker's certificate, trusted in addition to the public roots.",
);
pub const CONNECT_PROPERTIES_DIR: Setting = setting(
    "CONNECT_PROPERTIES_DIR",
    Type::Path,
    Some("/etc/config/connect-operator"),
    CONNECT,
    "Directory of `*.properties` files whose keys become the templates' `$VARIABLES`.",
);
pub const AUTO_RESTART: Setting = setting(
    "AUTO_RESTART",
    Type::Bool,
    Some("true"),
    CONNECT,
    "Restart FAILED connectors and tasks (spaced 1, 2, 4… minutes).",
);
pub const MAX_RESTARTS_PER_HOUR: Setting =
    setting("MAX_RESTARTS_PER_HOUR", Type::Count, Some("3"), CONNECT, "Restarts of one connector per hour.");
pub const CONNECT_TEMPLATE_ENV: Setting = setting(
    "CONNECT_TEMPLATE_ENV",
    Type::List,
    Some("MYSQL_CONNECTION_USER,MYSQL_CONNECTION_PASSWORD,ORDERS_BQ_SINK_KEYFILE"),
    CONNECT,
    "Environment variables connector templates may read as `env.X` (comma-separated; the default is what the original ConfigMaps read). The toolkit's own credentials are never readable: listing one is an error. `env.KAFKA_API_KEY`/`env.KAFKA_API_SECRET` always come from the `sasl.jaas.config` properties line.",
);

// Transport, every tool.
pub const ALLOW_INSECURE_HTTP: Setting = setting(
    "ALLOW_INSECURE_HTTP",
    Type::Bool,
    Some("false"),
    ALL_TOOLS,
    "Allow plain `http://` endpoints other than loopback (an in-cluster Connect worker without TLS). Every endpoint receives credentials, so without it such requests are refused; when set, the run logs it once.",
);

/// The table, in the order the README shows it.
pub const ALL: &[Setting] = &[
    DRY_RUN,
    HOOK_DEADLINE,
    CONCURRENCY,
    WATCH_NAMESPACES,
    RESYNC_SCHEDULE,
    POD_NAMESPACE,
    INSTANCE_ID,
    ALLOW_DELETE,
    MAX_DELETIONS_PER_RUN,
    PROTECTED_RESOURCES,
    PROTECTED_TOPICS,
    CONFLUENT_CLOUD_API_KEY,
    CONFLUENT_CLOUD_API_SECRET,
    CONFLUENT_CLOUD_ENDPOINT,
    KAFKA_API_KEY,
    KAFKA_API_SECRET,
    KAFKA_CREDENTIALS_FILE,
    KAFKA_REST_ENDPOINT,
    KAFKA_ID,
    KAFKA_CLUSTER_NAME,
    CCLOUD_SPEC_SELECTOR,
    RESET_UNDECLARED_CONFIGS,
    API_KEY_MAX_AGE,
    ROTATION_GRACE,
    ORPHAN_GRACE,
    KEY_READY_TIMEOUT,
    CONNECT_SPEC_SELECTOR,
    CONNECT_URL,
    CONNECT_BASIC_AUTH_USER,
    CONNECT_BASIC_AUTH_PASSWORD,
    CONNECT_CA_FILE,
    CONNECT_PROPERTIES_DIR,
    AUTO_RESTART,
    MAX_RESTARTS_PER_HOUR,
    CONNECT_TEMPLATE_ENV,
    ALLOW_INSECURE_HTTP,
];
