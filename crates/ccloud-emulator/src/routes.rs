//! The route table: method, path pattern, handler. Concrete segments come before
//! templated ones where both could match (`/topics/-/configs`).

use crate::http::{Family, Reply, Req, capture};
use crate::model::World;
use crate::{acls, cloud, connect, kafka};

type Handler = fn(&mut World, &Req, &[&str]) -> Reply;

const T: &str = "/kafka/v3/clusters/{cluster_id}/topics";
const CC: &str = "/connect/v1/environments/{environment_id}/clusters/{kafka_cluster_id}";

macro_rules! routes {
    ($($method:literal $path:expr => $handler:path),* $(,)?) => {
        fn table() -> Vec<(&'static str, String, Handler)> {
            vec![$(($method, $path.to_string(), $handler as Handler)),*]
        }
    };
}

routes! {
    "GET" T => kafka::list_topics,
    "POST" T => kafka::create_topic,
    "GET" format!("{T}/-/configs") => kafka::list_all_topic_configs,
    "GET" format!("{T}/{{topic_name}}") => kafka::get_topic,
    "PATCH" format!("{T}/{{topic_name}}") => kafka::update_partitions,
    "DELETE" format!("{T}/{{topic_name}}") => kafka::delete_topic,
    "GET" format!("{T}/{{topic_name}}/configs") => kafka::list_topic_configs,
    "POST" format!("{T}/{{topic_name}}/configs:alter") => kafka::alter_topic_configs,
    "GET" format!("{T}/{{topic_name}}/configs/{{name}}") => kafka::get_topic_config,
    "PUT" format!("{T}/{{topic_name}}/configs/{{name}}") => kafka::put_topic_config,
    "DELETE" format!("{T}/{{topic_name}}/configs/{{name}}") => kafka::reset_topic_config,
    "GET" format!("{T}/{{topic_name}}/partitions") => kafka::list_partitions,
    "GET" format!("{T}/{{topic_name}}/partitions/{{partition_id}}") => kafka::get_partition,
    "GET" "/kafka/v3/clusters/{cluster_id}/acls" => acls::list_acls,
    "POST" "/kafka/v3/clusters/{cluster_id}/acls" => acls::create_acl,
    "DELETE" "/kafka/v3/clusters/{cluster_id}/acls" => acls::delete_acls,
    "POST" "/kafka/v3/clusters/{cluster_id}/acls:batch" => acls::create_acls_batch,

    "GET" "/org/v2/environments" => cloud::list_environments,
    "GET" "/org/v2/environments/{id}" => cloud::get_environment,
    "GET" "/cmk/v2/clusters" => cloud::list_clusters,
    "GET" "/cmk/v2/clusters/{id}" => cloud::get_cluster,
    "GET" "/srcm/v2/clusters" => cloud::list_schema_registries,
    "GET" "/srcm/v3/clusters" => cloud::list_schema_registries,
    "GET" "/iam/v2/service-accounts" => cloud::list_service_accounts,
    "POST" "/iam/v2/service-accounts" => cloud::create_service_account,
    "GET" "/iam/v2/service-accounts/{id}" => cloud::get_service_account,
    "PATCH" "/iam/v2/service-accounts/{id}" => cloud::update_service_account,
    "DELETE" "/iam/v2/service-accounts/{id}" => cloud::delete_service_account,
    "GET" "/iam/v2/api-keys" => cloud::list_api_keys,
    "POST" "/iam/v2/api-keys" => cloud::create_api_key,
    "GET" "/iam/v2/api-keys/{id}" => cloud::get_api_key,
    "PATCH" "/iam/v2/api-keys/{id}" => cloud::update_api_key,
    "DELETE" "/iam/v2/api-keys/{id}" => cloud::delete_api_key,

    "GET" format!("{CC}/connectors") => connect::list,
    "POST" format!("{CC}/connectors") => connect::create,
    "GET" format!("{CC}/connectors/{{connector_name}}") => connect::get,
    "DELETE" format!("{CC}/connectors/{{connector_name}}") => connect::delete,
    "GET" format!("{CC}/connectors/{{connector_name}}/config") => connect::get_config,
    "PUT" format!("{CC}/connectors/{{connector_name}}/config") => connect::put_config,
    "GET" format!("{CC}/connectors/{{connector_name}}/status") => connect::status,
    "GET" format!("{CC}/connectors/{{connector_name}}/tasks") => connect::tasks,
    "PUT" format!("{CC}/connectors/{{connector_name}}/pause") => connect::pause,
    "PUT" format!("{CC}/connectors/{{connector_name}}/resume") => connect::resume,
    "GET" format!("{CC}/connector-plugins") => connect::plugins,
    "PUT" format!("{CC}/connector-plugins/{{plugin_name}}/config/validate") => connect::validate,

    "GET" "/" => connect::worker_info,
    "GET" "/connectors" => connect::list,
    "POST" "/connectors" => connect::create,
    "GET" "/connectors/{connector}" => connect::get,
    "DELETE" "/connectors/{connector}" => connect::delete,
    "GET" "/connectors/{connector}/config" => connect::get_config,
    "PUT" "/connectors/{connector}/config" => connect::put_config,
    "GET" "/connectors/{connector}/status" => connect::status,
    "GET" "/connectors/{connector}/tasks" => connect::tasks,
    "PUT" "/connectors/{connector}/pause" => connect::pause,
    "PUT" "/connectors/{connector}/resume" => connect::resume,
    "PUT" "/connectors/{connector}/stop" => connect::stop,
    "POST" "/connectors/{connector}/restart" => connect::restart,
    "POST" "/connectors/{connector}/tasks/{task}/restart" => connect::restart_task,
    "GET" "/connector-plugins" => connect::plugins,
    "PUT" "/connector-plugins/{plugin}/config/validate" => connect::validate,
}

/// The routes, built once.
pub struct Router {
    routes: Vec<(&'static str, String, Handler)>,
}

impl Default for Router {
    fn default() -> Self {
        Self { routes: table() }
    }
}

impl Router {
    /// Serves one request; returns the reply and the route pattern it matched.
    pub fn dispatch(&self, world: &mut World, req: &Req) -> (Reply, String) {
        let family = Family::of(&req.segments);
        let mut path_matched = false;
        for (method, pattern, handler) in &self.routes {
            let Some(params) = capture(pattern, &req.segments) else { continue };
            path_matched = true;
            if *method != req.method {
                continue;
            }
            if family == Family::Cloud
                && let Err(e) = cloud::authorize(world, req)
            {
                return (e, pattern.clone());
            }
            return (handler(world, req, &params), pattern.clone());
        }
        if path_matched {
            (family.error(405, 405, "HTTP 405 Method Not Allowed"), "(method not allowed)".into())
        } else {
            (family.error(404, 404, "HTTP 404 Not Found"), "(no route)".into())
        }
    }
}
