package provider

import (
	"context"
	"maps"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestNewServer_frameworkLetsGoOfRPCContexts calls the framework's server, as Serve and the
// acceptance tests serve it, and checks that a value carried by each RPC's context becomes garbage
// once the RPC returns. terraform-plugin-framework v1.19.0 alone keeps every RPC context until
// StopProvider (hundreds of MiB over thousands of keys): without contextReleasingServer, no value
// is ever collected and this test fails.
func TestNewServer_frameworkLetsGoOfRPCContexts(t *testing.T) {
	t.Parallel()
	server := newServer(New("test")())()
	type payloadKey struct{}
	const rpcs = 20
	collected := make(chan struct{}, rpcs)
	for range rpcs {
		payload := new([1 << 16]byte)
		runtime.AddCleanup(payload, func(chan struct{}) { collected <- struct{}{} }, collected)
		ctx := context.WithValue(context.Background(), payloadKey{}, payload)
		// The framework answers an unknown type with a diagnostic; it registers the context first.
		if _, err := server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "circularo_unknown"}); err != nil {
			t.Fatal(err)
		}
	}
	// Cleanups run on their own goroutine after a collection; a retained value never gets one.
	deadline := time.After(10 * time.Second)
	for got := 0; got < rpcs; {
		runtime.GC()
		select {
		case <-collected:
			got++
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%d of %d RPC contexts were collected after the RPCs returned: the server retains the rest", got, rpcs)
		}
	}
	runtime.KeepAlive(server) // the server, and whatever it holds, lives on between RPCs
}

func TestQuietSDKLogs_offUnlessTerraformShowsProviderLogs(t *testing.T) {
	t.Parallel()
	off := map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off"}
	for name, tc := range map[string]struct {
		env, want map[string]string
	}{
		"nothing set: SDK logs off":                   {env: map[string]string{}, want: off},
		"TF_LOG empty counts as unset":                {env: map[string]string{"TF_LOG": ""}, want: merged(off, map[string]string{"TF_LOG": ""})},
		"TF_LOG set: untouched":                       {env: map[string]string{"TF_LOG": "TRACE"}, want: map[string]string{"TF_LOG": "TRACE"}},
		"TF_LOG_PROVIDER set: untouched":              {env: map[string]string{"TF_LOG_PROVIDER": "DEBUG"}, want: map[string]string{"TF_LOG_PROVIDER": "DEBUG"}},
		"an SDK variable that is set keeps its value": {env: map[string]string{"TF_LOG_SDK_PROTO": "info"}, want: merged(off, map[string]string{"TF_LOG_SDK_PROTO": "info"})},
	} {
		t.Run(name, func(t *testing.T) {
			env := maps.Clone(tc.env)
			quietSDKLogs(
				func(name string) (string, bool) { v, ok := env[name]; return v, ok },
				func(name, value string) error { env[name] = value; return nil },
			)
			if !maps.Equal(env, tc.want) {
				t.Errorf("environment after quietSDKLogs = %v, want %v", env, tc.want)
			}
		})
	}
}

func merged(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// TestNewServer_servesEveryFrameworkRPC checks that the server Serve hands to Terraform has every RPC
// method of the framework's own server. terraform-plugin-go finds list resources, actions and state
// stores through optional interfaces: a wrapper without their methods hides them, and Terraform then
// answers `terraform query` with "ValidateListResourceConfig Not Implemented".
func TestNewServer_servesEveryFrameworkRPC(t *testing.T) {
	t.Parallel()
	framework := reflect.TypeOf(providerserver.NewProtocol6(New("test")())())
	served := reflect.TypeOf(newServer(New("test")())())
	for i := range framework.NumMethod() {
		name := framework.Method(i).Name
		if _, ok := served.MethodByName(name); !ok {
			t.Errorf("the served %v lacks %s, which the framework's %v serves", served, name, framework)
		}
	}
	server := newServer(New("test")())()
	if _, ok := server.(tfprotov6.ListResourceServer); !ok {
		t.Error("the served server is not a tfprotov6.ListResourceServer: terraform query cannot reach list resources")
	}
	if _, ok := server.(tfprotov6.ActionServer); !ok {
		t.Error("the served server is not a tfprotov6.ActionServer: actions cannot be planned or invoked")
	}
}
