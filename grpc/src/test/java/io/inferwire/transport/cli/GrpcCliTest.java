package io.inferwire.transport.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inferwire.tokens.TokenStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpcCliTest {

    @Test
    void readsChunkLinesAndWritesChunkJson(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.txt");
        Files.writeString(f, """
                data: {"choices":[{"delta":{"content":"Hi \\"there\\"\\n\\u00e9"},"finish_reason":null}],"id":"x"}

                {"choices":[{"logprobs":{"content":[]},"delta":{"content":null},"finish_reason":"stop"}]}
                data: [DONE]
                """);
        List<TokenStep> steps = GrpcCli.readChunks(f);
        assertEquals(2, steps.size());
        assertEquals("Hi \"there\"\né", steps.get(0).textString());
        assertNull(steps.get(0).finishReason());
        assertEquals("", steps.get(1).textString());
        assertEquals("stop", steps.get(1).finishReason());
        assertEquals(
                "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                        + "\"Hi \\\"there\\\"\\né\"},\"logprobs\":null,\"finish_reason\":null}]}",
                GrpcCli.chunkJson(steps.get(0)));
    }
}
