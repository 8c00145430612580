# A Circularo session for this run only. Opening it logs in with the provider's credentials
# (username, password and, for MFA accounts, totp_secret); Terraform logs it out when the run
# ends. The token is never written to the plan or the state.
ephemeral "circularo_session" "export" {}

locals {
  circularo_url = "https://example.circularo.com"
}

data "circularo_api_keys" "all" {}

# Hand the session to another tool. Provisioner blocks accept ephemeral values: Terraform stores
# neither the command nor its environment, and hides the command's output.
resource "terraform_data" "key_audit_export" {
  # Export again whenever the set of keys changes.
  triggers_replace = data.circularo_api_keys.all.fingerprints

  provisioner "local-exec" {
    # The script reads the token from its environment rather than its command line, where other
    # users of the machine could see it.
    command = "./export-key-audit.sh"
    environment = {
      CIRCULARO_URL           = local.circularo_url
      CIRCULARO_SESSION_TOKEN = ephemeral.circularo_session.export.token
    }
  }
}

# Or configure another provider with it: provider blocks accept ephemeral values too. A block that
# sets token uses it as is, never logs it out, and ignores CIRCULARO_USERNAME and CIRCULARO_PASSWORD.
provider "circularo" {
  alias = "session"
  url   = local.circularo_url
  token = ephemeral.circularo_session.export.token
}

data "circularo_api_keys" "seen_by_session" {
  provider = circularo.session
}
