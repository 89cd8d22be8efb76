// Chat configuration: agents (seed 000 AI_AGENTS) and providers with sealed API keys (seed 003
// api_keys_encrypted). The engine never sees a plain key: the worker seals it (AES-GCM, see
// workers/providers.ts) and stores the sealed JSON here; a plain `apiKey` argument is rejected.
#include "api/chat_internal.h"
#include "api/convert.h"
#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::api {

Result<store::AgentRow> RequireAgent(Context& ctx, const std::string& id, const char* field) {
  KS_ASSIGN_OR_RETURN(auto a, store::FindAgent(ctx.db(), id));
  if (!a || a->deleted_at) return NotFound("no agent with id " + id, field);
  return std::move(*a);
}

namespace {

json AgentJson(const store::AgentRow& a) {
  return json{{"id", a.id},
              {"name", a.name},
              {"agentType", a.agent_type},
              {"roleDescription", a.role_description},
              {"systemPrompt", a.system_prompt},
              {"modelConfig", ParseStoredJson(a.model_config, json::object())},
              {"capabilities", ParseStoredJson(a.capabilities, json::array())},
              {"isActive", a.is_active},
              {"createdAt", a.created_at},
              {"updatedAt", a.updated_at}};
}

Status ReadAgentFields(Args& a, store::AgentRow& r, bool create) {
  if (create) {
    KS_ASSIGN_OR_RETURN(r.name, a.RequiredString("name", kShortRule));
  } else {
    KS_ASSIGN_OR_RETURN(auto name, a.String("name", kShortRule));
    if (name) r.name = *name;
  }
  KS_ASSIGN_OR_RETURN(auto type, a.String("agentType", kShortRule));
  if (type) r.agent_type = *type;
  KS_ASSIGN_OR_RETURN(auto role, a.String("roleDescription", kTextRule));
  if (role) r.role_description = *role;
  KS_ASSIGN_OR_RETURN(auto prompt, a.String("systemPrompt", kTextRule));
  if (prompt) r.system_prompt = *prompt;
  KS_ASSIGN_OR_RETURN(auto config, a.Object("modelConfig", 16384));
  if (config) r.model_config = config->dump();
  KS_ASSIGN_OR_RETURN(auto caps, a.StringList("capabilities", 100, kShortRule));
  if (caps) r.capabilities = json(*caps).dump();
  KS_ASSIGN_OR_RETURN(auto active, a.Bool("isActive"));
  if (active) r.is_active = *active;
  return a.Finish();
}

Status CheckAgentName(Context& ctx, const store::AgentRow& r) {
  KS_ASSIGN_OR_RETURN(auto other, store::FindAgentByName(ctx.db(), r.name));
  if (other && other->id != r.id) return Status(Code::kAlreadyExists, "an agent named \"" + r.name + "\" exists", "name");
  return Status::Ok();
}

Result<json> AgentCreate(Context& ctx, Args& a) {
  store::AgentRow r;
  KS_RETURN_IF_ERROR(ReadAgentFields(a, r, true));
  r.id = NewUuid();
  r.created_by = ctx.profile_id();
  r.created_at = r.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(CheckAgentName(ctx, r));
  KS_RETURN_IF_ERROR(store::InsertAgent(ctx.db(), r));
  return AgentJson(r);
}

Result<json> AgentUpdate(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("agentId"));
  KS_ASSIGN_OR_RETURN(store::AgentRow r, RequireAgent(ctx, id));
  KS_RETURN_IF_ERROR(ReadAgentFields(a, r, false));
  r.updated_at = NowTimestamp();
  KS_RETURN_IF_ERROR(CheckAgentName(ctx, r));
  KS_RETURN_IF_ERROR(store::UpdateAgent(ctx.db(), r));
  return AgentJson(r);
}

Result<json> AgentGet(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("agentId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::AgentRow r, RequireAgent(ctx, id));
  return AgentJson(r);
}

Result<json> AgentList(Context& ctx, Args& a) {
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto rows, store::ListAgents(ctx.db()));
  json out = json::array();
  for (const auto& r : rows) out.push_back(AgentJson(r));
  return out;
}

// Soft delete: sessions and steps that name the agent keep their reference.
Result<json> AgentDelete(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("agentId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(store::AgentRow r, RequireAgent(ctx, id));
  r.deleted_at = r.updated_at = NowTimestamp();
  r.is_active = false;
  KS_RETURN_IF_ERROR(store::UpdateAgent(ctx.db(), r));
  return json{{"agentId", id}, {"deleted", true}};
}

// ---- providers -------------------------------------------------------------------------------

json ProviderJson(const store::ProviderRow& p, bool with_sealed) {
  json j{{"name", p.name},
         {"kind", p.kind},
         {"baseUrl", p.base_url ? json(*p.base_url) : json(nullptr)},
         {"model", p.model ? json(*p.model) : json(nullptr)},
         {"options", ParseStoredJson(p.options, json::object())},
         {"hasKey", p.api_key_encrypted.has_value()},
         {"isDefault", p.is_default},
         {"createdAt", p.created_at},
         {"updatedAt", p.updated_at}};
  if (with_sealed) j["sealedKey"] = p.api_key_encrypted ? ParseStoredJson(*p.api_key_encrypted, nullptr) : json(nullptr);
  return j;
}

// providerPut (called by the worker's providers.set job, which seals the key first).
Result<json> ProviderPut(Context& ctx, Args& a) {
  store::ProviderRow p;
  KS_ASSIGN_OR_RETURN(p.name, a.RequiredString("name", kShortRule));
  KS_ASSIGN_OR_RETURN(p.kind, a.RequiredEnum("kind", {"openai", "extractive"}));
  KS_ASSIGN_OR_RETURN(auto base, a.String("baseUrl", kUrlRule));
  KS_ASSIGN_OR_RETURN(auto model, a.String("model", kShortRule));
  KS_ASSIGN_OR_RETURN(auto options, a.Object("options", 16384));
  KS_ASSIGN_OR_RETURN(auto sealed, a.Object("sealedKey", 16384));
  KS_ASSIGN_OR_RETURN(auto is_default, a.Bool("isDefault"));
  if (a.Has("apiKey")) {
    return InvalidArgument("apiKey must be sealed by the worker (use store.providers.set)", "apiKey");
  }
  KS_RETURN_IF_ERROR(a.Finish());
  if (p.kind == "openai" && (!base || base->empty())) return InvalidArgument("an openai provider needs a baseUrl", "baseUrl");
  if (base && !base->empty() && base->rfind("http://", 0) != 0 && base->rfind("https://", 0) != 0) {
    return InvalidArgument("baseUrl must be an http(s) URL", "baseUrl");
  }
  if (sealed) {
    // Only the sealed shape is accepted: {v, alg: "AES-GCM", iv, ct}.
    if (!sealed->contains("alg") || (*sealed)["alg"] != "AES-GCM" || !sealed->contains("iv") || !sealed->contains("ct")) {
      return InvalidArgument("sealedKey must be {v, alg: \"AES-GCM\", iv, ct}", "sealedKey");
    }
    p.api_key_encrypted = sealed->dump();
  }
  if (base && !base->empty()) p.base_url = *base;
  p.model = model;
  if (options) p.options = options->dump();
  p.is_default = is_default.value_or(false);
  const std::string now = NowTimestamp();
  KS_ASSIGN_OR_RETURN(auto existing, store::FindProvider(ctx.db(), p.name));
  p.id = existing ? existing->id : NewUuid();
  p.created_at = existing ? existing->created_at : now;
  p.updated_at = now;
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(ctx.db()));
  if (p.is_default) KS_RETURN_IF_ERROR(store::ClearDefaultProvider(ctx.db()));
  KS_RETURN_IF_ERROR(store::UpsertProvider(ctx.db(), p));
  KS_RETURN_IF_ERROR(tx.Commit());
  return ProviderJson(p, false);
}

Result<json> ProviderList(Context& ctx, Args& a) {
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto rows, store::ListProviders(ctx.db()));
  json out = json::array();
  for (const auto& r : rows) out.push_back(ProviderJson(r, false));
  return out;
}

// providerGet: one provider with its sealed key (for the worker), by name or the default. Null
// when there is none (the worker then uses the built-in extractive provider).
Result<json> ProviderGet(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto name, a.String("name", kShortRule));
  KS_RETURN_IF_ERROR(a.Finish());
  if (name) {
    KS_ASSIGN_OR_RETURN(auto p, store::FindProvider(ctx.db(), *name));
    if (!p) {
      if (*name == "extractive") return json(nullptr);
      return NotFound("no provider named \"" + *name + "\"", "provider");
    }
    return ProviderJson(*p, true);
  }
  KS_ASSIGN_OR_RETURN(auto p, store::DefaultProvider(ctx.db()));
  return p ? ProviderJson(*p, true) : json(nullptr);
}

Result<json> ProviderDelete(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string name, a.RequiredString("name", kShortRule));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto p, store::FindProvider(ctx.db(), name));
  if (!p) return NotFound("no provider named \"" + name + "\"", "name");
  KS_RETURN_IF_ERROR(store::DeleteProvider(ctx.db(), name));
  return json{{"name", name}, {"deleted", true}};
}

Result<json> KeyringGet(Context& ctx, Args& a) {
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto k, store::GetKeyring(ctx.db()));
  if (!k) return json(nullptr);
  return json{{"kdf", k->kdf}, {"params", ParseStoredJson(k->params, json::object())},
              {"verifier", ParseStoredJson(k->verifier, json::object())}, {"createdAt", k->created_at}};
}

// keyringInit: the first unlock records the KDF parameters and a verifier. A keyring that exists
// is only replaced with `replace` (re-keying; the worker re-seals every provider key first).
Result<json> KeyringInit(Context& ctx, Args& a) {
  store::Keyring k;
  KS_ASSIGN_OR_RETURN(k.kdf, a.RequiredEnum("kdf", {"PBKDF2-SHA256", "key"}));
  KS_ASSIGN_OR_RETURN(auto params, a.Object("params", 4096));
  KS_ASSIGN_OR_RETURN(auto verifier, a.Object("verifier", 4096));
  KS_ASSIGN_OR_RETURN(auto replace, a.Bool("replace"));
  KS_RETURN_IF_ERROR(a.Finish());
  if (!verifier) return InvalidArgument("verifier is required", "verifier");
  KS_ASSIGN_OR_RETURN(auto existing, store::GetKeyring(ctx.db()));
  if (existing && !replace.value_or(false)) return Status(Code::kAlreadyExists, "the keyring exists", "keyring");
  k.params = params.value_or(json::object()).dump();
  k.verifier = verifier->dump();
  k.created_at = NowTimestamp();
  KS_RETURN_IF_ERROR(store::PutKeyring(ctx.db(), k));
  return json{{"ok", true}};
}

}  // namespace

void RegisterChatConfigMethods(MethodTable& t) {
  t["agentCreate"] = AgentCreate;
  t["agentUpdate"] = AgentUpdate;
  t["agentGet"] = AgentGet;
  t["agentList"] = AgentList;
  t["agentDelete"] = AgentDelete;
  t["providerPut"] = ProviderPut;
  t["providerList"] = ProviderList;
  t["providerGet"] = ProviderGet;
  t["providerDelete"] = ProviderDelete;
  t["keyringGet"] = KeyringGet;
  t["keyringInit"] = KeyringInit;
}

}  // namespace kspace::api
