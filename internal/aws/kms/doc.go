// Package kms is the AWS KMS adapter: DataKeys for the envelope encryption
// of secret config values (platform.Envelope). Each data key comes from
// GenerateDataKey (AES_256) under the platform's customer-managed key with
// the application id as encryption context, so a wrapped key only unwraps
// (Decrypt) for the application it was made for — and only for a role the
// key grants kms:Decrypt, which in template.yaml is the pipeline's alone.
//
// Nothing here logs; errors name the operation and the key, never a value
// or a key's plaintext.
package kms
