package provider

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// contextReleasingServer works around terraform-plugin-framework (up to v1.19.0 at least) keeping the
// context of every RPC until StopProvider: proto6server.registerContext appends each RPC's
// CancelFunc to a list that only StopProvider empties, and each context holds the loggers that
// terraform-plugin-go made for the RPC. A plan over 1,000 keys kept about 100 MiB that way.
//
// The framework now gets, for the per-resource RPCs, a context that forwards to the RPC's context
// while the RPC runs and lets go of it when the RPC returns, so that the framework's list keeps a
// few bytes per RPC.
//
// It embeds the framework's whole server, not only tfprotov6.ProviderServer: terraform-plugin-go
// finds list resources, actions and state stores through optional interfaces, and a wrapper that
// lacks their methods hides them from Terraform ("ValidateListResourceConfig Not Implemented").
// ListResource and InvokeAction are forwarded as they are: their results stream after the method
// has returned, so their context must outlive it.
type contextReleasingServer struct {
	frameworkServer
}

// frameworkServer is every RPC that the framework's protocol 6 server serves.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

func (s contextReleasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s contextReleasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s contextReleasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.ReadResource)
}

func (s contextReleasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s contextReleasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s contextReleasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s contextReleasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s contextReleasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return withReleasedContext(ctx, req, s.frameworkServer.ReadDataSource)
}

func withReleasedContext[Req, Resp any](ctx context.Context, req Req, rpc func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := newReleasableContext(ctx)
	defer rc.release()
	return rpc(rc, req)
}

// releasableContext forwards to its parent until release, then holds nothing but the parent's Done
// channel. Done returns the parent's channel, so that context.WithCancel registers its child with
// the parent's cancelCtx directly instead of starting a goroutine.
type releasableContext struct {
	done        <-chan struct{}
	deadline    time.Time
	hasDeadline bool

	mu     sync.RWMutex
	parent context.Context // nil once released
}

func newReleasableContext(parent context.Context) *releasableContext {
	deadline, ok := parent.Deadline()
	return &releasableContext{parent: parent, done: parent.Done(), deadline: deadline, hasDeadline: ok}
}

func (c *releasableContext) release() {
	c.mu.Lock()
	c.parent = nil
	c.mu.Unlock()
}

func (c *releasableContext) get() context.Context {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.parent
}

func (c *releasableContext) Deadline() (time.Time, bool) { return c.deadline, c.hasDeadline }

func (c *releasableContext) Done() <-chan struct{} { return c.done }

func (c *releasableContext) Err() error {
	if p := c.get(); p != nil {
		return p.Err()
	}
	return context.Canceled // the RPC is over
}

func (c *releasableContext) Value(key any) any {
	if p := c.get(); p != nil {
		return p.Value(key)
	}
	return nil
}
