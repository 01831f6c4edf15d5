/**
 * Real data for the benchmark report: European Parliament text, its o200k_base tokens, the OpenAI
 * {@code chat.completion.chunk} events a server would stream for them, and MiniLM sentence embeddings.
 */
package io.inferwire.bench.data;
