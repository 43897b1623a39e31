import Testing

@testable import TandemTokenizer

@Suite struct ChatFormatTests {
    let smolLM2Template = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
        You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
        ' }}{% endif %}{{'<|im_start|>' + message['role'] + '
        ' + message['content'] + '<|im_end|>' + '
        '}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant
        ' }}{% endif %}
        """
    let qwen25Excerpt =
        #"{%- else %}\n        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}\n    {%- endif %}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}"#
    let llama3Template =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"

    @Test func detectsChatMLWithDefaultSystemPrompts() throws {
        let smol = try ChatTemplate.detect(smolLM2Template)
        #expect(smol.format == .chatml)
        #expect(smol.defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let qwen = try ChatTemplate.detect(qwen25Excerpt)
        #expect(qwen.defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
        let prompt = smol.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        #expect(
            prompt
                == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        )
        let withSystem = smol.render(
            [ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "U")],
            addGenerationPrompt: false)
        #expect(withSystem == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n")
    }

    @Test func detectsAndRendersLlama3() throws {
        #expect(try ChatFormat.detect(template: llama3Template) == .llama3)
        let text = ChatFormat.llama3.render([ChatMessage(role: "user", content: "  Hi \n")], addGenerationPrompt: true)
        #expect(
            text
                == "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        )
        let t = try Fixtures.tokenizer("llama-bpe")
        let ids = t.encode(text, parseSpecial: true)
        #expect(Array(ids.prefix(2)) == [128000, 128006])
        #expect(ids.contains(128009))
    }

    @Test func llama31PreambleAndZephyr() throws {
        let llama31 =
            #"{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = "26 Jul 2024" %}{%- endif %}{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}{{- "Cutting Knowledge Date: December 2023\n" }}{{- "Today Date: " + date_string + "\n\n" }}{{- system_message }}{{- "<|eot_id|>" }}"#
        let chat = try ChatTemplate.detect(llama31)
        #expect(chat.format == .llama3)
        let text = chat.render(
            [ChatMessage(role: "system", content: " Be brief. "), ChatMessage(role: "user", content: "Hi")],
            addGenerationPrompt: true)
        #expect(
            text
                == "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        )
        let noSystem = chat.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false)
        #expect(
            noSystem.hasPrefix(
                "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
            ))

        let tinyLlama =
            "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}{% endfor %}"
        #expect(try ChatFormat.detect(template: tinyLlama) == .zephyr)
        #expect(
            ChatFormat.zephyr.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
                == "<|user|>\nHi</s>\n<|assistant|>\n")
    }

    @Test func qwenChatMLEncodesSpecialTokens() throws {
        let t = try Fixtures.tokenizer("qwen2")
        let chat = try ChatTemplate.detect(t.chatTemplate)
        #expect(chat.defaultSystemPrompt == "You are a helpful assistant")
        let ids = t.encode(
            chat.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true), parseSpecial: true)
        #expect(ids.first == 151644)
        #expect(ids.filter { $0 == 151645 }.count == 2)
    }

    @Test func unknownOrMissingTemplatesAreErrors() throws {
        #expect(throws: TokenizerError.missingChatTemplate) { try ChatFormat.detect(template: nil) }
        #expect(throws: TokenizerError.self) {
            try ChatFormat.detect(template: "{{ bos_token }}[INST] {{ x }} [/INST]")
        }
        #expect(throws: TokenizerError.unknownChatFormat("zz")) { try ChatFormat.named("zz") }
        #expect(try ChatFormat.named("ChatML") == .chatml)
    }
}
