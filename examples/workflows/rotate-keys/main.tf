# Rotate API keys with no gap, as Circularo's guide describes: create the new key, move the
# integration to it, then revoke the old one. With create_before_destroy, one terraform apply does
# the three steps in that order.
#
# Credentials come from CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD.

terraform {
  required_version = ">= 1.11" # the provider's minimum
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

# Rotated by age: the first plan after the key turns 90 days old replaces it.
resource "circularo_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = "90d"

  lifecycle {
    create_before_destroy = true
  }
}

# Rotated on demand: change the generation (or tie keepers to any other trigger, such as the id of
# a time_rotating resource) and the next apply replaces the key.
variable "reporting_key_generation" {
  description = "Change this to rotate the reporting key."
  type        = number
  default     = 1
}

resource "circularo_api_key" "reporting" {
  description = "reporting"
  keepers = {
    generation = var.reporting_key_generation
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Stands for the integration that uses the deploy key, such as a secret store entry or a CI
# variable that you would set to circularo_api_key.deploy.token: Terraform replaces it after
# creating the new key and before revoking the old one. (It refers to the key's fingerprint, not
# its token: terraform_data would store a token in its output without marking it sensitive.)
resource "terraform_data" "deploy_integration" {
  triggers_replace = circularo_api_key.deploy.id
}

output "keys" {
  description = "The keys in use: fingerprint and creation time (the values are in the sensitive token attributes)."
  value = {
    for k in [circularo_api_key.deploy, circularo_api_key.reporting] :
    k.description => "${k.id} (created ${k.created})"
  }
}
