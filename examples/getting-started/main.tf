# Getting started: from a new key to the integration that uses it, in one apply.
#
#   export CIRCULARO_URL=https://example.circularo.com   # your host (unset: the public sandbox)
#   export CIRCULARO_USERNAME=platform-bot@example.com   # a dedicated service user, see the provider page
#   export CIRCULARO_PASSWORD=...
#   terraform init && terraform apply
#
# The apply creates the key "ci-pipeline", reads its value at run time, and hands it to the CI's
# secret store (here the GitHub CLI, reading it from standard input). The value is in no state file,
# plan file or log. Change var.ci_key_generation to rotate the key: the same apply creates the new
# key, stores it, and only then revokes the old one.

terraform {
  required_version = ">= 1.11"
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

variable "ci_key_generation" {
  description = "Change this to rotate the CI key."
  type        = number
  default     = 1
}

resource "circularo_api_key" "ci" {
  description = "ci-pipeline"
  store_token = false # the value stays out of the state: the ephemeral resource below reads it
  keepers = {
    generation = var.ci_key_generation
  }

  lifecycle {
    create_before_destroy = true # rotation: the new key exists and is stored before the old one goes
  }
}

ephemeral "circularo_api_key" "ci" {
  fingerprint = circularo_api_key.ci.id
}

# The consumer: stores the key as the repository secret CIRCULARO_TOKEN whenever the key changes.
# Provisioners accept ephemeral values: Terraform keeps neither the command's environment nor its
# output, and the value reaches gh on standard input, never on a command line.
resource "terraform_data" "ci_secret" {
  triggers_replace = circularo_api_key.ci.id

  provisioner "local-exec" {
    command = "printenv CIRCULARO_TOKEN | gh secret set CIRCULARO_TOKEN"
    environment = {
      CIRCULARO_TOKEN = ephemeral.circularo_api_key.ci.token
    }
  }
}

output "ci_key" {
  description = "The CI key's fingerprint: how Circularo, the plan and the state name it."
  value       = circularo_api_key.ci.id
}
