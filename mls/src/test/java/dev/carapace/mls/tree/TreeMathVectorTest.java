package dev.carapace.mls.tree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.mls.vectors.Vectors;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TreeMathVectorTest {

    @Test
    void matchesMlswgTreeMathVectors() throws Exception {
        JsonNode cases = Vectors.load("tree-math");
        assertThat(cases.size()).isPositive();
        for (JsonNode c : cases) {
            long n = c.get("n_leaves").asLong();
            assertThat(TreeMath.nodeWidth(n)).as("n_nodes for %d leaves", n).isEqualTo(c.get("n_nodes").asLong());
            assertThat(TreeMath.root(n)).as("root for %d leaves", n).isEqualTo(c.get("root").asLong());
            for (int i = 0; i < TreeMath.nodeWidth(n); i++) {
                assertThat(TreeMath.left(i)).as("left(%d)", i).isEqualTo(opt(c.get("left").get(i)));
                assertThat(TreeMath.right(i)).as("right(%d)", i).isEqualTo(opt(c.get("right").get(i)));
                assertThat(TreeMath.parent(i, n)).as("parent(%d)", i).isEqualTo(opt(c.get("parent").get(i)));
                assertThat(TreeMath.sibling(i, n)).as("sibling(%d)", i).isEqualTo(opt(c.get("sibling").get(i)));
            }
        }
    }

    @Test
    void rejectsNodesOutsideTree() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TreeMath.parent(7, 4))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TreeMath.nodeWidth(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void handlesNonFullTrees() {
        // 3 leaves: nodes 0..4, root 3; leaf 4's parent is the root, not the out-of-range node 5.
        assertThat(TreeMath.root(3)).isEqualTo(3);
        assertThat(TreeMath.parent(4, 3)).hasValue(3);
        assertThat(TreeMath.sibling(4, 3)).hasValue(1);
    }

    private static OptionalInt opt(JsonNode v) {
        return v == null || v.isNull() ? OptionalInt.empty() : OptionalInt.of(v.asInt());
    }
}
