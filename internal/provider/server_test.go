package provider

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
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

// TestProviderProcess_logsOutAtExit runs the built provider binary under the real terraform CLI, as
// users do. The provider logs out only when its process ends (Serve calls sessions.closeAll, on its
// session registry, when the server stops), which in-process tests never reach: here, after every
// command, the mock must have no open session although the command logged in. It also checks that no secret reaches the CLI's
// output or a TRACE log.
func TestProviderProcess_logsOutAtExit(t *testing.T) {
	t.Parallel()
	env, recorder := newRecordingTestEnv(t)
	env.Mock.AddKey(testkit.User, mockserver.Key{Description: "already there"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	wd := testkit.Workdir(t) // the provider binary is built once per test binary
	baseEnv := wd.Env
	err := wd.WriteConfig(testkit.TerraformBlock() + env.ProviderBlock() + `
resource "circularo_api_key" "test" {
  count       = 5
  description = "made by the process test ${count.index}"
}

data "circularo_api_keys" "all" {}

output "key_count" {
  value = length(data.circularo_api_keys.all.fingerprints)
}
`)
	if err != nil {
		t.Fatal(err)
	}

	// Key values are collected while they exist: destroy revokes them.
	keyValues := map[string]bool{}
	collectKeys := func() {
		for _, k := range env.Mock.Keys(testkit.User) {
			keyValues[k.Value] = true
		}
	}
	secrets := func() []string {
		out := []string{testkit.Password}
		for v := range keyValues {
			out = append(out, v)
		}
		return append(out, recorder.Tokens()...)
	}
	checkNoSecret := func(what, text string) {
		t.Helper()
		for _, s := range secrets() {
			if strings.Contains(text, s) {
				t.Errorf("%s shows a secret (%d characters)", what, len(s))
			}
		}
	}
	run := func(extraEnv []string, args ...string) string {
		t.Helper()
		collectKeys()
		loginsBefore := env.Mock.Count("login")
		wd.Env = append(slices.Clip(baseEnv), extraEnv...)
		out, err := wd.Run(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		collectKeys()
		command := "terraform " + strings.Join(args, " ")
		// Terraform configures the provider at most three times per command (destroy: a refreshing
		// plan, the destroy plan, the apply, whose revocations list the keys to prove them), each time
		// in a new process: five keys handled in parallel must share that process's one login.
		switch logins := env.Mock.Count("login") - loginsBefore; {
		case logins == 0:
			t.Errorf("%s did not log in, so it proves nothing about logging out", command)
		case logins > 3:
			t.Errorf("%s logged in %d times for 5 keys: the provider's processes do not share one login", command, logins)
		}
		if n := env.Mock.OpenSessions(); n != 0 {
			t.Errorf("%d sessions are open after %s", n, command)
		}
		checkNoSecret("the output of "+command, out)
		return out
	}

	if _, err := wd.Run(ctx, "validate"); err != nil {
		t.Fatal(err)
	}
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("terraform validate made %d API calls", n)
	}

	run(nil, "plan", "-input=false")
	run(nil, "apply", "-auto-approve", "-input=false")
	if n := len(env.Mock.Keys(testkit.User)); n != 6 {
		t.Errorf("after apply the user has %d keys, want 6", n)
	}

	logPath := filepath.Join(t.TempDir(), "terraform.log")
	run([]string{"TF_LOG=TRACE", "TF_LOG_PATH=" + logPath}, "plan", "-input=false")
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The log must hold the provider's own request log, or its silence would prove nothing.
	if !strings.Contains(string(log), "Circularo API request") {
		t.Error("the TRACE log holds no request log of the provider")
	}
	checkNoSecret("the TRACE log", string(log))

	run(nil, "destroy", "-auto-approve", "-input=false")
	if n := len(env.Mock.Keys(testkit.User)); n != 1 {
		t.Errorf("after destroy the user has %d keys, want the 1 that was there before", n)
	}
	if n := len(recorder.Tokens()); n < 4 {
		t.Errorf("the commands logged in %d times, want at least 4", n)
	}
}
