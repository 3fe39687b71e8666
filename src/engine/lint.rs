//! Warnings about a policy that compiles but probably does not do what its
//! author meant.
//!
//! Errors stop a policy from compiling; warnings do not. Here: an argv rule
//! naming a flag that its program does not have in the program table (a
//! typo such as `--recusive` would make the rule never match); egress
//! warnings live in [`egress_lint`](super::egress_lint), RBAC warnings in
//! [`rbac_lint`](super::rbac_lint). Cost: one pass over
//! the rules, at lint time only.

use crate::command::tables::tables;
use crate::policy::{Diagnostic, ErrorKind, FieldPath, Policy};

/// Every warning for `policy`, in rule order.
pub(super) fn warnings(policy: &Policy) -> Vec<Diagnostic> {
    let Ok(tables) = tables() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, rule) in policy.commands.iter().enumerate() {
        let path = FieldPath::root().key("commands").index(i);
        let argv = &rule.argv;
        let subcommand = match argv.subcommands.as_slice() {
            [only] => only.first().map(String::as_str),
            _ => None,
        };
        for program in argv.exact_programs() {
            let fields = [
                ("flags_all", &argv.flags_all),
                ("flags_any", &argv.flags_any),
                ("not_flags", &argv.not_flags),
            ];
            for (field, flags) in fields {
                for (j, flag) in flags.iter().enumerate() {
                    if !tables.knows_flag(program, subcommand, flag) {
                        let mut d = Diagnostic::new(
                            path.key(field).index(j),
                            ErrorKind::UnknownFlag {
                                flag: flag.clone(),
                                program: program.to_owned(),
                            },
                        );
                        d.rule = Some(rule.meta.id.clone());
                        out.push(d);
                    }
                }
            }
        }
    }
    out.extend(super::egress_lint::warnings(policy));
    out.extend(super::rbac_lint::warnings(policy));
    out
}
