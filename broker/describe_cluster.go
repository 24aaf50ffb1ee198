package broker

// DescribeCluster, versions 0-1.
//
// Answers the cluster id, the controller and the brokers. Deviation:
// authorized operations are not computed (no ACLs yet); only the broker
// endpoint type (1) is served.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (b *Broker) handleDescribeCluster(_ *conn, kreq kmsg.Request) reply {
	req := kreq.(*kmsg.DescribeClusterRequest)
	resp := req.ResponseKind().(*kmsg.DescribeClusterResponse)
	if req.Version >= 1 && req.EndpointType != 1 {
		resp.ErrorCode = kerr.UnsupportedEndpointType.Code
		return reply{resp: resp}
	}
	resp.EndpointType = 1
	resp.ClusterID = b.meta.ClusterID()
	resp.ControllerID = b.meta.ControllerID()
	for _, br := range b.meta.Brokers() {
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = br.NodeID, br.Host, br.Port, br.Rack
		resp.Brokers = append(resp.Brokers, rb)
	}
	return reply{resp: resp}
}
