/**
 * The HTTP layer: one routing table (from which the OpenAPI description is generated), the Jetty handler that
 * bounds, authenticates, rate-limits and dispatches every request, and JSON errors that never carry a stack trace.
 */
package dev.carapace.hub.http;
