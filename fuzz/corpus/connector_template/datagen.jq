{"name": "dg", "config": {"connector.class": "DatagenSource", "kafka.api.key": env.KAFKA_API_KEY, "kafka.api.secret": $SASL_JAAS_CONFIG, "tasks.max": "1"}, "state": "running"}
