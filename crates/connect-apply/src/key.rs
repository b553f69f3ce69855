//! The identity of one connector: a name on a target. It is what the inventory, the
//! record, the deletion switches and every report name.

use connect_client::Target;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectorKey {
    pub target: Target,
    pub name: String,
}

impl ConnectorKey {
    pub fn new(target: Target, name: impl Into<String>) -> Self {
        Self { target, name: name.into() }
    }

    /// How the record ConfigMap stores it: `self/<name>` or `cloud/<env>/<cluster>/<name>`.
    pub fn record_item(&self) -> String {
        match &self.target {
            Target::SelfManaged => format!("self/{}", self.name),
            Target::Cloud { environment_id, cluster_id } => {
                format!("cloud/{environment_id}/{cluster_id}/{}", self.name)
            }
        }
    }

    /// The inverse of [`Self::record_item`]; names may contain `/`. `None` for an item
    /// this version cannot read (it is kept in the record, never acted on).
    pub fn from_record_item(item: &str) -> Option<Self> {
        if let Some(name) = item.strip_prefix("self/") {
            return (!name.is_empty()).then(|| Self::new(Target::SelfManaged, name));
        }
        let mut parts = item.strip_prefix("cloud/")?.splitn(3, '/');
        let (env, cluster, name) = (parts.next()?, parts.next()?, parts.next()?);
        if env.is_empty() || cluster.is_empty() || name.is_empty() {
            return None;
        }
        let target = Target::Cloud { environment_id: env.to_owned(), cluster_id: cluster.to_owned() };
        Some(Self::new(target, name))
    }

    /// `<name> on <target>`, for events and the unmanaged list (their kind is shown apart).
    pub fn short(&self) -> String {
        format!("{} on {}", self.name, self.target)
    }
}

/// `connector <name> on <target>`: the subject of its failures and held deletions.
impl fmt::Display for ConnectorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connector {} on {}", self.name, self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_items_round_trip_with_slashes_in_names() {
        let cloud = Target::Cloud { environment_id: "env-1".into(), cluster_id: "lkc-1".into() };
        for key in [
            ConnectorKey::new(Target::SelfManaged, "a"),
            ConnectorKey::new(Target::SelfManaged, "a/b/c"),
            ConnectorKey::new(cloud, "x/y"),
        ] {
            assert_eq!(ConnectorKey::from_record_item(&key.record_item()), Some(key));
        }
        for unreadable in ["", "self/", "cloud/env-1/lkc-1", "cloud//lkc/x", "other/x"] {
            assert_eq!(ConnectorKey::from_record_item(unreadable), None, "{unreadable}");
        }
    }
}
