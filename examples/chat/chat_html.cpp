// The chat page, embedded into the binary.
__asm__(".section .rodata\n.global soket_chat_html\nsoket_chat_html:\n.incbin \"" SOKET_CHAT_HTML
        "\"\n.global soket_chat_html_end\nsoket_chat_html_end:\n.byte 0\n.previous\n");
