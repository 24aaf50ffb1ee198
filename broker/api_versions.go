package broker

// ApiVersions, versions 0-4.
//
// Follows Kafka's negotiation rules: the request is accepted before any
// authentication, and a request newer than we serve is answered with a v0
// body carrying UNSUPPORTED_VERSION and our ranges (see conn.execute). The
// answer always uses response header v0, even for flexible versions.
// Deviation: no feature flags (SupportedFeatures/FinalizedFeatures) are
// advertised.

import (
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) apiVersionKeys() []kmsg.ApiVersionsResponseApiKey {
	keys := make([]kmsg.ApiVersionsResponseApiKey, 0, len(b.apis))
	for _, a := range b.apis {
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey, k.MinVersion, k.MaxVersion = a.key, a.min, a.max
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ApiKey < keys[j].ApiKey })
	return keys
}

func (b *Broker) handleApiVersions(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.ApiVersionsRequest)
	resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
	resp.ApiKeys = b.apiVersionKeys()
	return reply{resp: resp}
}

// apiVersionsFallback is the encoded v0 ApiVersions body answering a
// request newer than we serve.
func (b *Broker) apiVersionsFallback() []byte {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = b.apiVersionKeys()
	return resp.AppendTo(nil)
}
