// Package cloud is the only part of the tool that talks to Alibaba Cloud:
// the API interface the rest of the tool calls through, the SDK-backed
// Client, error classification, the credential chain, retries and the
// redaction of secrets from messages. No other package imports the SDK.
package cloud
