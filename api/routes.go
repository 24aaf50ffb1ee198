package api

import "net/http"

// routes registers every path Kafka Connect serves (Kafka 3.x/4.x), plus
// /metrics and POST /connectors/{name}/signals. Trailing-slash forms that Jersey accepts are registered too.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.serverInfo)
	m.HandleFunc("GET /health", s.health)
	m.HandleFunc("GET /metrics", s.metrics)

	for _, p := range []string{"/connectors", "/connectors/{$}"} {
		m.HandleFunc("GET "+p, s.listConnectors)
		m.HandleFunc("POST "+p, s.createConnector)
	}
	m.HandleFunc("GET /connectors/{name}", s.getConnector)
	m.HandleFunc("DELETE /connectors/{name}", s.deleteConnector)
	m.HandleFunc("GET /connectors/{name}/config", s.getConnectorConfig)
	m.HandleFunc("PUT /connectors/{name}/config", s.putConnectorConfig)
	m.HandleFunc("PATCH /connectors/{name}/config", s.patchConnectorConfig)
	m.HandleFunc("GET /connectors/{name}/status", s.connectorStatus)
	m.HandleFunc("GET /connectors/{name}/tasks", s.taskConfigs)
	m.HandleFunc("POST /connectors/{name}/tasks", s.putTaskConfigs)
	m.HandleFunc("GET /connectors/{name}/tasks/{task}/status", s.taskStatus)
	m.HandleFunc("POST /connectors/{name}/tasks/{task}/restart", s.restartTask)
	m.HandleFunc("POST /connectors/{name}/restart", s.restartConnector)
	m.HandleFunc("PUT /connectors/{name}/pause", s.pauseConnector)
	m.HandleFunc("PUT /connectors/{name}/resume", s.resumeConnector)
	m.HandleFunc("PUT /connectors/{name}/stop", s.stopConnector)
	m.HandleFunc("GET /connectors/{name}/topics", s.activeTopics)
	m.HandleFunc("PUT /connectors/{name}/topics/reset", s.resetActiveTopics)
	m.HandleFunc("GET /connectors/{name}/offsets", s.getOffsets)
	m.HandleFunc("PATCH /connectors/{name}/offsets", s.alterOffsets)
	m.HandleFunc("DELETE /connectors/{name}/offsets", s.resetOffsets)
	// Sluice's own: Debezium signals through the kafka channel.
	m.HandleFunc("POST /connectors/{name}/signals", s.sendSignal)

	for _, p := range []string{"/connector-plugins", "/connector-plugins/{$}"} {
		m.HandleFunc("GET "+p, s.listPlugins)
	}
	m.HandleFunc("GET /connector-plugins/{class}/config", s.pluginConfig)
	m.HandleFunc("PUT /connector-plugins/{class}/config/validate", s.validate)

	for _, p := range []string{"/admin/loggers", "/admin/loggers/{$}"} {
		m.HandleFunc("GET "+p, s.listLoggers)
	}
	m.HandleFunc("GET /admin/loggers/{logger}", s.getLogger)
	m.HandleFunc("PUT /admin/loggers/{logger}", s.setLogger)

	if s.opts.DLQ != nil {
		m.Handle("/dlq", s.opts.DLQ)
		m.Handle("/dlq/", s.opts.DLQ)
	}
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.opts.Metrics == nil {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	s.opts.Metrics.ServeHTTP(w, r)
}
