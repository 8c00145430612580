# Import a key by its fingerprint (see the circularo_api_keys data source). The key's token value is
# accepted too, but would end up in your shell history. An import never stores the key's value: the
# state records store_token = false, and a configuration that keeps the default (true) plans an
# in-place update that reads the value into the state.
terraform import circularo_api_key.legacy_reporting sha256:718518ad8d06ff47
