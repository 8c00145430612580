# A key whose value is never stored: store_token = false keeps it out of the state, and the
# ephemeral circularo_api_key reads it from Circularo when something needs it.
resource "circularo_api_key" "ci" {
  description = "ci-pipeline"
  store_token = false
}

ephemeral "circularo_api_key" "ci" {
  fingerprint = circularo_api_key.ci.id
}

# Hand it on where a value known only during the apply is accepted: a write-only argument, or a
# provisioner's environment. Terraform opens the ephemeral resource after the key exists, also in
# the apply that creates or rotates the key. (A script of yours stands for the consumer here.)
resource "terraform_data" "ci_secret" {
  triggers_replace = circularo_api_key.ci.id

  provisioner "local-exec" {
    command = "./store-ci-secret.sh"
    environment = {
      CIRCULARO_TOKEN = ephemeral.circularo_api_key.ci.token
    }
  }
}

# A provider block is configured in every plan, so it needs a value known at plan time: not the key
# above, which is unknown until its first apply and again at every replacement (the plan would fail
# with "Provider configuration known only after apply"). Give it a key that another configuration
# manages, by fingerprint.
variable "reporting_key_fingerprint" {
  description = "Fingerprint of the reporting key, which another configuration manages (its output)."
  type        = string
  default     = "sha256:132113323120dee9"
}

ephemeral "circularo_api_key" "reporting" {
  fingerprint = var.reporting_key_fingerprint
}

provider "circularo" {
  alias = "reporting"
  url   = "https://example.circularo.com"
  token = ephemeral.circularo_api_key.reporting.token
}

# What the reporting key itself can see: the keys of the user it belongs to.
data "circularo_api_keys" "seen_by_reporting" {
  provider = circularo.reporting
}
