package group

import "context"

type clientKey struct{}

type client struct{ id, host string }

// WithClient returns ctx carrying the requesting client's id (from the request
// header) and host, which JoinGroup records on the member and DescribeGroups
// reports. Without it both are empty.
func WithClient(ctx context.Context, clientID, clientHost string) context.Context {
	return context.WithValue(ctx, clientKey{}, client{clientID, clientHost})
}

func clientFrom(ctx context.Context) client {
	c, _ := ctx.Value(clientKey{}).(client)
	return c
}
