//! The UI's one door to the app: `ui/src/lib/commands.ts` is generated from the
//! `#[tauri::command]` functions of this crate (their names, arguments and results), so a
//! command renamed or given another argument in Rust fails this test instead of failing at
//! run time in the window. Components and UI services call these functions; nothing else
//! in `ui/src` imports `invoke` (the UI's `commands.test.ts` checks). After an intended
//! change run `UPDATE_BINDINGS=1 cargo test -p phonghop-desktop --test commands`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

/// One command as the UI calls it.
struct Command {
    name: String,
    docs: Vec<String>,
    /// (JS name, TS type) of each argument the UI passes.
    args: Vec<(String, String)>,
    /// The command takes its body raw (`tauri::ipc::Request`): bytes and headers.
    raw_body: bool,
    result: String,
}

/// Types whose TypeScript name differs from their Rust name (ts-rs `rename`).
const RENAMED: &[(&str, &str)] = &[("meeting_pdf::SearchHit", "PdfSearchHit")];

fn path_name(p: &syn::Path) -> String {
    p.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

fn generic(p: &syn::Path, i: usize) -> Option<&Type> {
    match &p.segments.last()?.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .nth(i),
        _ => None,
    }
}

/// The TypeScript type of a Rust type crossing IPC; named types must be in `bindings/`.
fn ts(ty: &Type, named: &mut Vec<String>) -> String {
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => "void".into(),
        Type::Tuple(t) => format!("[{}]", t.elems.iter().map(|e| ts(e, named)).collect::<Vec<_>>().join(", ")),
        Type::Reference(r) => ts(&r.elem, named),
        Type::Path(p) => {
            let full = path_name(&p.path);
            let last = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            let arg = |i: usize, named: &mut Vec<String>| {
                generic(&p.path, i).map_or_else(|| panic!("{full} without its type argument"), |t| ts(t, named))
            };
            match last.as_str() {
                "String" | "str" => "string".into(),
                "bool" => "boolean".into(),
                "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" | "f32" | "f64" => "number".into(),
                "Option" => format!("{} | null", arg(0, named)),
                "Vec" => {
                    let inner = arg(0, named);
                    if inner.contains(' ') { format!("({inner})[]") } else { format!("{inner}[]") }
                }
                "UiResult" => arg(0, named),
                "Channel" => format!("Channel<{}>", arg(0, named)),
                // Raw bytes (`tauri::ipc::Response`) arrive as an ArrayBuffer.
                "Response" => "ArrayBuffer".into(),
                _ => {
                    let name = RENAMED.iter().find(|(r, _)| full.ends_with(r)).map_or(last, |(_, t)| (*t).to_owned());
                    if !named.contains(&name) {
                        named.push(name.clone());
                    }
                    name
                }
            }
        }
        _ => {
            panic!("a command uses a type the generator does not know (a slice, a trait object…): give it a named type")
        }
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn is_command(f: &syn::ItemFn) -> bool {
    f.attrs.iter().any(|a| {
        let p = a.path();
        p.segments.len() == 2 && p.segments[0].ident == "tauri" && p.segments[1].ident == "command"
    })
}

fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn commands(src: &Path, named: &mut Vec<String>) -> Vec<Command> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(src)
        .expect("src-tauri/src")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for item in parsed.items {
            let Item::Fn(f) = item else { continue };
            if !is_command(&f) {
                continue;
            }
            let mut args = Vec::new();
            let mut raw_body = false;
            for input in &f.sig.inputs {
                let FnArg::Typed(pt) = input else { continue };
                let Pat::Ident(id) = &*pt.pat else { panic!("{}: a command argument is not a name", f.sig.ident) };
                let ty_name = match &*pt.ty {
                    Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
                    _ => String::new(),
                };
                match ty_name.as_str() {
                    // Given by Tauri, not by the caller.
                    "Core" | "State" | "AppHandle" | "Window" | "WebviewWindow" => {}
                    "Request" => raw_body = true,
                    _ => args.push((camel(&id.ident.to_string()), ts(&pt.ty, named))),
                }
            }
            let result = match &f.sig.output {
                ReturnType::Default => "void".into(),
                ReturnType::Type(_, t) => ts(t, named),
            };
            out.push(Command { name: f.sig.ident.to_string(), docs: doc_lines(&f.attrs), args, raw_body, result });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn generate(crate_dir: &Path, bindings: &Path) -> String {
    let mut named = Vec::new();
    let commands = commands(&crate_dir.join("src"), &mut named);
    named.sort();
    let mut ts = String::from(
        "// Generated from the app's `#[tauri::command]` functions by src-tauri/tests/commands.rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p phonghop-desktop --test commands`.\n\
         // Every call rejects with a `UiError` ({code, message}).\n\
         import { Channel, invoke } from \"@tauri-apps/api/core\";\n",
    );
    for name in &named {
        assert!(
            bindings.join(format!("{name}.ts")).exists(),
            "a command uses {name}, which has no generated binding: add it to tests/bindings.rs"
        );
        let _ = writeln!(ts, "import type {{ {name} }} from \"./bindings/{name}\";");
    }
    ts.push_str("\nexport { Channel };\n");
    for c in &commands {
        ts.push('\n');
        if !c.docs.is_empty() {
            let _ = writeln!(ts, "/** {} */", c.docs.join(" ").replace("*/", "*\\/"));
        }
        let fn_name = camel(&c.name);
        if c.raw_body {
            let _ = writeln!(
                ts,
                "export const {fn_name} = (body: Uint8Array, headers: Record<string, string>) =>\n  \
                 invoke<{}>(\"{}\", body, {{ headers }});",
                c.result, c.name
            );
            continue;
        }
        let params: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let names: Vec<&str> = c.args.iter().map(|(n, _)| n.as_str()).collect();
        let call = if names.is_empty() {
            format!("invoke<{}>(\"{}\")", c.result, c.name)
        } else {
            format!("invoke<{}>(\"{}\", {{ {} }})", c.result, c.name, names.join(", "))
        };
        let _ = writeln!(ts, "export const {fn_name} = ({}) =>\n  {call};", params.join(", "));
    }
    ts
}

#[test]
fn the_ui_command_layer_matches_the_commands() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bindings = crate_dir.join("../ui/src/lib/bindings");
    let committed_path = crate_dir.join("../ui/src/lib/commands.ts");
    let fresh = generate(&crate_dir, &bindings);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write commands.ts");
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(fresh.contains("export const openDocument = "), "the generator found the commands");
    assert!(
        fresh == committed,
        "ui/src/lib/commands.ts is out of date with the app's commands; run \
         `UPDATE_BINDINGS=1 cargo test -p phonghop-desktop --test commands`"
    );
}
