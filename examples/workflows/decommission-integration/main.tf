# Revoke an integration's API keys when the integration goes (Terraform 1.16 and later): each
# integration is a resource that records the fingerprints of the keys it uses, and its
# before_destroy action trigger revokes exactly those keys when the integration is destroyed.
# The keys need not be managed by Terraform (keys made by hand, or by the integration itself).
#
#   terraform apply                      records the integrations; revokes nothing;
#   remove "zapier" from var.integrations, then terraform plan and apply:
#                                        the plan lists the action with Zapier's fingerprints and
#                                        warns for keys used recently; the apply revokes them
#                                        before the integration leaves the state;
#   terraform apply -invoke=action.circularo_revoke_api_keys.integration \
#     -target='terraform_data.integration["zapier"]'
#                                        revokes Zapier's keys now and destroys nothing (a leaked
#                                        key, say); without -target, every integration's keys.
#
# Credentials come from CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD.

terraform {
  required_version = ">= 1.16" # before_destroy action triggers, caller, -invoke with -target
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

variable "integrations" {
  description = "Each integration's keys, by fingerprint (as the circularo_api_keys data source lists them)."
  type        = map(set(string))
  default = {
    zapier    = ["sha256:246b2ab95b93dfde"]
    reporting = ["sha256:718518ad8d06ff47"]
  }
}

# Stands for the integration itself (a webhook, a CI variable, a secret store entry), whose
# configuration would hold the same fingerprints.
resource "terraform_data" "integration" {
  for_each = var.integrations
  input    = each.value

  lifecycle {
    action_trigger {
      # before_destroy, not after_destroy: if a revocation fails, the apply stops (on_failure =
      # halt, the default) with the integration still in the state, and the next apply revokes the
      # keys left. After the destroy, the integration would already be gone from the state.
      events  = [before_destroy]
      actions = [action.circularo_revoke_api_keys.integration]
    }
  }
}

action "circularo_revoke_api_keys" "integration" {
  config {
    # caller is the integration being destroyed: its recorded fingerprints, as they are in the
    # state. No data source has to be read during a destroy.
    fingerprints = caller.output
  }
}
