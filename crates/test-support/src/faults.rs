//! The failure kinds of the fault matrix, in one place for every tool.

/// Expands to one `#[test]` per failure kind, each calling `$matrix(action, times)`: the
/// emulator fault action (see `ccloud_emulator::faults::FaultAction`) and how many matching
/// requests it strikes. The calling file decides where the fault is injected and what
/// convergence means for its tool.
#[macro_export]
macro_rules! fault_matrix_tests {
    ($matrix:ident) => {
        #[test]
        fn throttled_with_retry_after() {
            $matrix(serde_json::json!({"type": "status", "status": 429, "retry_after": 1}), 1);
        }

        #[test]
        fn throttled_without_retry_after() {
            $matrix(serde_json::json!({"type": "status", "status": 429}), 2);
        }

        #[test]
        fn internal_server_error() {
            $matrix(serde_json::json!({"type": "status", "status": 500}), 1);
        }

        #[test]
        fn unavailable_in_bursts() {
            $matrix(serde_json::json!({"type": "status", "status": 503}), 3);
        }

        #[test]
        fn dropped_connections() {
            $matrix(serde_json::json!({"type": "drop"}), 2);
        }

        #[test]
        fn slow_responses() {
            $matrix(serde_json::json!({"type": "delay", "ms": 800}), 2);
        }

        /// Longer than the runs' 3 s deadline: the run gives up, the request still lands.
        #[test]
        fn timeouts_past_the_deadline() {
            $matrix(serde_json::json!({"type": "delay", "ms": 3500}), 1);
        }
    };
}
