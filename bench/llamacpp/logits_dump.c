// logits_dump: llama.cpp's reference logits for Tandem's exactness check (bench/real_models.sh).
//
// Built by bench/llamacpp/build.sh against libllama (llama.h). Not part of the Swift package or CI.
//
//   logits_dump MODEL.gguf (--prompt TEXT | --tokens 1,2,3) [--top 10] [--greedy 32] [--threads 2]
//
// Loads MODEL with an F32 KV cache (type_k = type_v = GGML_TYPE_F32, flash attention off),
// tokenizes TEXT (BOS as the file says, special tokens such as <|im_start|> parsed), and evaluates
// the prompt twice from an empty cache:
//   batch  — the whole prompt in one llama_decode call;
//   single — one token per llama_decode call.
// It prints one JSON object on stdout:
//   {"model": …, "tokens": [ids], "n_vocab": V,
//    "batch":  {"top": [{"id":…,"logit":…}, …]},          the last position's largest --top logits
//    "single": {"top": [...]},
//    "spread_top": max |batch − single| over the batch's top ids (llama.cpp's own batch-vs-single
//                  difference on this file and prompt),
//    "greedy": [ids], "greedy_margin": [top-1 − top-2 logit at each greedy step]}
// The greedy continuation starts from the batch evaluation and feeds one token per call, argmax with
// ties to the lowest id, and does not stop at end-of-sequence (so both engines emit N tokens).
#include "llama.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet_log(enum ggml_log_level level, const char * text, void * user_data) {
    (void) user_data;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static void die(const char * message) {
    fprintf(stderr, "logits_dump: %s\n", message);
    exit(1);
}

static void usage(void) {
    fputs("usage: logits_dump MODEL.gguf (--prompt TEXT | --tokens 1,2,3) [--top N] [--greedy N] [--threads N]\n",
          stderr);
    exit(2);
}

// Indices of the `top` largest values, descending, ties to the lowest id.
static void top_indices(const float * logits, int n_vocab, int top, int * out) {
    for (int r = 0; r < top; r++) out[r] = -1;
    for (int i = 0; i < n_vocab; i++) {
        int r = top;
        while (r > 0 && (out[r - 1] < 0 || logits[i] > logits[out[r - 1]])) r--;
        if (r >= top) continue;
        memmove(out + r + 1, out + r, (size_t) (top - r - 1) * sizeof(int));
        out[r] = i;
    }
}

static void print_top(const char * key, const float * logits, const int * ids, int top) {
    printf("\"%s\":{\"top\":[", key);
    for (int r = 0; r < top; r++) printf("%s{\"id\":%d,\"logit\":%.6f}", r ? "," : "", ids[r], logits[ids[r]]);
    printf("]}");
}

static void print_json_string(const char * s) {
    putchar('"');
    for (const unsigned char * p = (const unsigned char *) s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p == '\n') fputs("\\n", stdout);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

// Decodes tokens[0..n) at positions start.. in one call; logits for the last one only.
static void decode(struct llama_context * ctx, const llama_token * tokens, int n, int start) {
    struct llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = start + i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = i == n - 1;
    }
    batch.n_tokens = n;
    int rc = llama_decode(ctx, batch);
    llama_batch_free(batch);
    if (rc != 0) die("llama_decode failed");
}

int main(int argc, char ** argv) {
    const char * path = NULL, * text = NULL, * token_list = NULL;
    int top = 10, greedy = 32, threads = 2;
    for (int i = 1; i < argc; i++) {
        const char * a = argv[i];
        const char * v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--prompt") && v) { text = v; i++; }
        else if (!strcmp(a, "--tokens") && v) { token_list = v; i++; }
        else if (!strcmp(a, "--top") && v) { top = atoi(v); i++; }
        else if (!strcmp(a, "--greedy") && v) { greedy = atoi(v); i++; }
        else if (!strcmp(a, "--threads") && v) { threads = atoi(v); i++; }
        else if (a[0] != '-' && !path) path = a;
        else usage();
    }
    if (!path || (!text == !token_list) || top < 1 || greedy < 0 || threads < 1) usage();

    llama_log_set(quiet_log, NULL);
    llama_backend_init();
    struct llama_model_params mparams = llama_model_default_params();
    struct llama_model * model = llama_model_load_from_file(path, mparams);
    if (!model) die("cannot load the model");
    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    if (top > n_vocab) top = n_vocab;

    // The prompt's ids.
    int n_prompt = 0, capacity = 4096;
    llama_token * prompt = malloc((size_t) capacity * sizeof(llama_token));
    if (!prompt) die("out of memory");
    if (text) {
        n_prompt = llama_tokenize(vocab, text, (int32_t) strlen(text), prompt, capacity, true, true);
        if (n_prompt < 0) die("the prompt is too long");
    } else {
        for (const char * p = token_list; *p && n_prompt < capacity;) {
            char * end;
            long id = strtol(p, &end, 10);
            if (end == p || id < 0 || id >= n_vocab) die("--tokens: expected comma-separated ids within the vocabulary");
            prompt[n_prompt++] = (llama_token) id;
            p = *end == ',' ? end + 1 : end;
        }
    }
    if (n_prompt == 0) die("the prompt has no tokens");

    struct llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = (uint32_t) (n_prompt + greedy + 16);
    cparams.n_batch = cparams.n_ctx;
    cparams.n_ubatch = cparams.n_ctx;
    cparams.n_threads = threads;
    cparams.n_threads_batch = threads;
    cparams.type_k = GGML_TYPE_F32;
    cparams.type_v = GGML_TYPE_F32;
    cparams.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    struct llama_context * ctx = llama_init_from_model(model, cparams);
    if (!ctx) die("cannot create a context");

    float * single = malloc((size_t) n_vocab * sizeof(float));
    int * top_batch = malloc((size_t) top * sizeof(int));
    int * top_single = malloc((size_t) top * sizeof(int));
    llama_token * continuation = malloc((size_t) (greedy + 1) * sizeof(llama_token));
    float * margins = malloc((size_t) (greedy + 1) * sizeof(float));
    if (!single || !top_batch || !top_single || !continuation || !margins) die("out of memory");

    // (b) one token at a time.
    llama_memory_clear(llama_get_memory(ctx), true);
    for (int i = 0; i < n_prompt; i++) decode(ctx, prompt + i, 1, i);
    memcpy(single, llama_get_logits_ith(ctx, -1), (size_t) n_vocab * sizeof(float));
    top_indices(single, n_vocab, top, top_single);

    // (a) the whole prompt in one batch; the greedy continuation follows from here.
    llama_memory_clear(llama_get_memory(ctx), true);
    decode(ctx, prompt, n_prompt, 0);
    const float * batch = llama_get_logits_ith(ctx, -1);
    top_indices(batch, n_vocab, top, top_batch);

    double spread = 0;
    for (int r = 0; r < top; r++) spread = fmax(spread, fabs((double) batch[top_batch[r]] - single[top_batch[r]]));

    printf("{\"model\":");
    print_json_string(path);
    printf(",\"n_vocab\":%d,\"tokens\":[", n_vocab);
    for (int i = 0; i < n_prompt; i++) printf("%s%d", i ? "," : "", prompt[i]);
    printf("],");
    print_top("batch", batch, top_batch, top);
    printf(",");
    print_top("single", single, top_single, top);
    printf(",\"spread_top\":%.6f", spread);

    // Greedy continuation: argmax (ties to the lowest id) and its top-1/top-2 margin at each step.
    int pair[2];
    for (int step = 0; step < greedy; step++) {
        const float * logits = llama_get_logits_ith(ctx, -1);
        top_indices(logits, n_vocab, 2, pair);
        continuation[step] = pair[0];
        margins[step] = logits[pair[0]] - logits[pair[1]];
        if (step + 1 < greedy) decode(ctx, continuation + step, 1, n_prompt + step);
    }
    printf(",\"greedy\":[");
    for (int i = 0; i < greedy; i++) printf("%s%d", i ? "," : "", continuation[i]);
    printf("],\"greedy_margin\":[");
    for (int i = 0; i < greedy; i++) printf("%s%.6f", i ? "," : "", margins[i]);
    printf("]}\n");

    free(prompt); free(single); free(top_batch); free(top_single); free(continuation); free(margins);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
