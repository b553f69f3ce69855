//! The run's own counts beside [`reconcile::Report`]'s standard ones.

use shell_hook::MetricOperation;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyCounts {
    pub kept: usize,
    pub minted: usize,
    pub pending: usize,
    pub retiring: usize,
}

impl KeyCounts {
    /// `ccloud_api_key_keys{state}`: kept, minted, delivery pending, retiring.
    pub fn metrics(&self) -> Vec<MetricOperation> {
        [("kept", self.kept), ("minted", self.minted), ("pending", self.pending), ("retiring", self.retiring)]
            .into_iter()
            .map(|(state, n)| {
                MetricOperation::set("ccloud_api_key_keys", n as f64).group(crate::config::TOOL).label("state", state)
            })
            .collect()
    }
}
