/**
 * JMH benchmarks and load tools. This module stands apart: it may import any module, and nothing imports it.
 * Figures and the commands that produced them are kept in docs/benchmarks.md.
 */
package dev.carapace.bench;
