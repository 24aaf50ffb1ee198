package proto

import plugin "github.com/hashicorp/go-plugin"

// ProtocolVersion is the version of the plugin protocol this package
// describes. Hosts and plugins built against this package speak it.
const ProtocolVersion = 1

// PluginName is the name of the one go-plugin plugin a Sluice plugin process
// serves in each version's plugin set; it carries all services of plugin.proto.
const PluginName = "sluice"

// Handshake is the go-plugin handshake. The magic cookie is not a security
// measure: it makes a plugin binary run by hand say that it is a plugin
// instead of waiting for a host.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion, // the default when no versioned set matches
	MagicCookieKey:   "SLUICE_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "b2f0d0c4-sluice-connector-plugin",
}
