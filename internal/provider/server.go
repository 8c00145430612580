package provider

import (
	"context"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// registryAddress is the provider's source address, under which Terraform finds a debug session.
const registryAddress = "registry.terraform.io/circularo/circularo"

// sessionCleanupTimeout stays under the ~2 s that Terraform allows a plugin after a graceful stop.
const sessionCleanupTimeout = 1500 * time.Millisecond

// Serve serves the provider to Terraform over protocol 6 until Terraform stops the plugin, then logs
// out the sessions this process opened. debug runs it for a debugger (Terraform attaches through
// TF_REATTACH_PROVIDERS) instead of as Terraform's child process.
func Serve(version string, debug bool) error {
	if !debug {
		quietSDKLogs(os.LookupEnv, os.Setenv)
	}
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	// One registry per process: Terraform starts a plugin process per command, and the sessions to
	// log out are the ones this process opened.
	sessions := &sessionRegistry{}
	// tf6server.Serve is what providerserver.Serve calls; serving it directly lets the framework's
	// server be wrapped (see contextReleasingServer).
	p := newWithOptions(version, options{lookupEnv: os.LookupEnv, sessions: sessions})()
	err := tf6server.Serve(registryAddress, newServer(p), opts...)

	ctx, cancel := context.WithTimeout(context.Background(), sessionCleanupTimeout)
	defer cancel()
	sessions.closeAll(ctx)
	return err
}

// newServer is the framework's protocol 6 server for p, wrapped by contextReleasingServer. The
// acceptance tests serve the provider through it too.
func newServer(p provider.Provider) func() tfprotov6.ProviderServer {
	framework := providerserver.NewProtocol6(p)
	return func() tfprotov6.ProviderServer {
		// The framework's server implements every optional RPC interface; should a version stop
		// doing so, the wrapper would hide RPCs, which TestNewServer_servesEveryFrameworkRPC catches.
		server, ok := framework().(frameworkServer)
		if !ok {
			panic("terraform-plugin-framework's server no longer serves every RPC that contextReleasingServer forwards")
		}
		return contextReleasingServer{server}
	}
}

// sdkLogVariables set the levels of the framework's and terraform-plugin-go's own logs, which
// default to TRACE.
var sdkLogVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// quietSDKLogs turns the SDK's logs off when Terraform would throw them away: it shows a provider's
// logs only when TF_LOG or TF_LOG_PROVIDER is set (and passes its environment to the plugin).
// Otherwise the plugin encodes several TRACE lines per RPC and Terraform decodes them for nothing,
// which was half of the provider's CPU in a plan over 1,000 keys. A TF_LOG_SDK* variable that is set
// keeps its value.
func quietSDKLogs(lookupEnv func(string) (string, bool), setEnv func(string, string) error) {
	for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if value, _ := lookupEnv(name); value != "" {
			return
		}
	}
	for _, name := range sdkLogVariables {
		if _, set := lookupEnv(name); !set {
			_ = setEnv(name, "off")
		}
	}
}
