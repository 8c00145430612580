// Command providerhash prints the checksums that Terraform records in .terraform.lock.hcl for a
// provider package zip:
//
//	h1:<base64>  the "h1" hash of the package contents (golang.org/x/mod/sumdb/dirhash.Hash1): what
//	             terraform init writes for a package it installed from a filesystem mirror;
//	zh:<hex>     the SHA-256 of the zip file itself: what the registry's SHA256SUMS file lists, and
//	             what terraform records (beside h1) for signed registry packages.
//
// Usage: go run ./cmd/providerhash ZIP...
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/dirhash"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: providerhash ZIP...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		h1, err := dirhash.HashZip(path, dirhash.Hash1)
		if err != nil {
			fmt.Fprintf(os.Stderr, "providerhash: %s: %v\n", path, err)
			os.Exit(1)
		}
		zh, err := fileSHA256(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "providerhash: %s: %v\n", path, err)
			os.Exit(1)
		}
		fmt.Println(h1)
		fmt.Printf("zh:%x\n", zh)
	}
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
