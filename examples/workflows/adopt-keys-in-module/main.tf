# Adopt existing keys from inside a module: each integration's module owns its keys, adopted by
# fingerprint with the `import` blocks of modules/adopted-keys (Terraform 1.16 and later; earlier
# versions accept `import` blocks in the root module only, as in the resource's import examples).
# The first apply imports the keys and creates and revokes nothing; destroying a module's keys
# (removing the module call, or terraform destroy) revokes them after a reviewed plan.
#
# Credentials come from CIRCULARO_URL, CIRCULARO_USERNAME and CIRCULARO_PASSWORD.

terraform {
  required_version = ">= 1.16"
  required_providers {
    circularo = {
      source = "circularo/circularo"
    }
  }
}

provider "circularo" {}

# By identity, as import-by-identity.tf does in the root module.
module "zapier" {
  source    = "./modules/adopted-keys"
  import_by = "identity"
  keys = {
    "sha256:246b2ab95b93dfde" = "old-zapier"
  }
}

# By the fingerprint as import ID, as import-by-string-id.tf does in the root module.
module "reporting" {
  source    = "./modules/adopted-keys"
  import_by = "id"
  keys = {
    "sha256:718518ad8d06ff47" = "legacy-reporting"
  }
}
