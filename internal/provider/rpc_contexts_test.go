package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type ctxKey struct{}

// keepingServer keeps the context of every call, as the framework's proto6server does.
type keepingServer struct {
	frameworkServer // nil: only ReadResource is called
	kept            []context.Context
}

func (s *keepingServer) ReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if ctx.Value(ctxKey{}) != "request" {
		panic("the RPC does not see its context's values")
	}
	kept, cancel := context.WithCancel(ctx)
	_ = cancel // kept like the framework keeps it: only StopProvider would call it
	s.kept = append(s.kept, kept)
	return &tfprotov6.ReadResourceResponse{}, nil
}

func TestContextReleasingServer_releasesTheRPCContext(t *testing.T) {
	t.Parallel()
	downstream := &keepingServer{}
	server := contextReleasingServer{downstream}
	rpcCtx, endRPC := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "request"))
	if _, err := server.ReadResource(rpcCtx, &tfprotov6.ReadResourceRequest{}); err != nil {
		t.Fatal(err)
	}
	endRPC()
	kept := downstream.kept[0]
	if v := kept.Value(ctxKey{}); v != nil {
		t.Errorf("a context kept after the RPC still reaches the RPC's values (%v): the RPC context is retained", v)
	}
	select {
	case <-kept.Done():
	default:
		t.Error("ending the RPC did not cancel the context the framework kept")
	}
}

func TestContextReleasingServer_cancelsWithTheRPC(t *testing.T) {
	t.Parallel()
	rpcCtx, endRPC := context.WithCancel(context.Background())
	rc := newReleasableContext(rpcCtx)
	child, cancelChild := context.WithCancel(rc)
	defer cancelChild()
	endRPC()
	<-child.Done() // hangs (and the test times out) if cancellation does not reach the framework's context
	if rc.Err() == nil {
		t.Error("Err is nil after the RPC ended")
	}
}
