//! Permissions: which roles may do which actions in which environments.
//!
//! A permission grants (`allow`), conditions (`ask`) or forbids (`deny`) a
//! set of actions to a set of roles (empty: everyone) in a set of
//! environments (empty: all, and requests in none). `deny` and `ask`
//! permissions apply wherever they match. An action that some `allow`
//! permission names is *granted only*: it is allowed only where an `allow`
//! permission grants it, in every environment the request is in; elsewhere it
//! is denied. Deny beats ask beats allow. Permissions say nothing about an
//! action no permission names, nor about one only `deny`/`ask` permissions
//! name where none of them applies.
//!
//! Compiled form: per exact action, for each environment slot and each
//! effect, the union of the roles of the permissions that apply (and whether
//! one applies to everyone). Authorizing is then one hash lookup and, per
//! environment the request is in, three bitset tests; the deciding
//! permission is named by a scan of that action's entries only when one
//! decided. Families (`command:*`, `*`) are folded into every exact action
//! they cover at compile time; an action no permission names exactly is
//! checked against the families directly. No allocation per decision.

use rustc_hash::FxHashMap;

use super::bits::{RoleBits, RoleView};
use super::environments::NO_ENVIRONMENT;
use crate::effect::Effect;

/// One permission, as the matcher sees it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The permission's global rule index.
    pub tag: u32,
    /// What it decides.
    pub effect: Effect,
    /// The roles it applies to (closed over inheritance: a permission for
    /// `developer` applies to `sre` when `sre` inherits `developer`); `None`:
    /// everyone.
    pub roles: Option<RoleBits>,
    /// The environment slots it applies to (bit per environment, plus
    /// [`NO_ENVIRONMENT`]).
    pub environments: u64,
    /// Reported, never enforced.
    pub shadow: bool,
}

impl Entry {
    fn applies(&self, roles: &RoleView<'_>, slot: u64) -> bool {
        self.environments & slot != 0 && self.roles.as_ref().is_none_or(|r| roles.intersects(r))
    }

    /// True when it applies in some slot of `mask` (already non-zero).
    fn applies_in(&self, roles: &RoleView<'_>, mask: u64) -> bool {
        self.environments & mask != 0 && self.roles.as_ref().is_none_or(|r| roles.intersects(r))
    }
}

/// Who an effect applies to in one environment slot.
#[derive(Debug, Clone, Default)]
struct Holders {
    anyone: bool,
    roles: Option<RoleBits>,
}

impl Holders {
    fn add(&mut self, entry: &Entry) {
        match &entry.roles {
            None => self.anyone = true,
            Some(r) => match &mut self.roles {
                Some(all) => all.union_with(r),
                None => self.roles = Some(r.clone()),
            },
        }
    }

    fn hold(&self, roles: &RoleView<'_>) -> bool {
        self.anyone || self.roles.as_ref().is_some_and(|r| roles.intersects(r))
    }
}

/// One exact action's permissions.
#[derive(Debug, Clone, Default)]
struct Table {
    /// In rule order.
    entries: Vec<Entry>,
    /// Per environment slot (index = bit position): allow, ask, deny holders.
    slots: Vec<[Holders; 3]>,
    /// True when an enforced `allow` permission names the action.
    granted_only: bool,
}

/// The outcome of authorizing one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `allow` (granted), `ask`, or `deny` (forbidden, or not granted).
    pub effect: Effect,
    /// The deciding permission; `None` when denied because nothing granted it.
    pub tag: Option<u32>,
}

/// Compiled permissions.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    actions: FxHashMap<Box<str>, Table>,
    /// `prefix*` permissions (`*` has the empty prefix), in rule order.
    families: Vec<(Box<str>, Entry)>,
}

/// Collects permissions before [`PermissionsBuilder::build`].
#[derive(Debug, Default)]
pub struct PermissionsBuilder {
    exact: FxHashMap<Box<str>, Vec<Entry>>,
    families: Vec<(Box<str>, Entry)>,
}

impl PermissionsBuilder {
    /// Adds `entry` for `action` (exact, or a family ending in `*`).
    pub fn add(&mut self, action: &str, entry: Entry) {
        match action.strip_suffix('*') {
            Some(prefix) => self.families.push((prefix.into(), entry)),
            None => self.exact.entry(action.into()).or_default().push(entry),
        }
    }

    /// Folds families into exact actions and computes the holders.
    pub fn build(self) -> Permissions {
        let mut actions = FxHashMap::default();
        for (action, mut entries) in self.exact {
            for (prefix, entry) in &self.families {
                if action.starts_with(&**prefix) {
                    entries.push(entry.clone());
                }
            }
            entries.sort_by_key(|e| e.tag);
            entries.dedup_by_key(|e| e.tag);
            let mut slots = vec![<[Holders; 3]>::default(); 64];
            for entry in entries.iter().filter(|e| !e.shadow) {
                let k = match entry.effect {
                    Effect::Allow => 0,
                    Effect::Ask => 1,
                    Effect::Deny => 2,
                };
                for (bit, slot) in slots.iter_mut().enumerate() {
                    if entry.environments & (1 << bit) != 0 {
                        if let Some(h) = slot.get_mut(k) {
                            h.add(entry);
                        }
                    }
                }
            }
            let granted_only = entries
                .iter()
                .any(|e| !e.shadow && e.effect == Effect::Allow);
            actions.insert(
                action,
                Table {
                    entries,
                    slots,
                    granted_only,
                },
            );
        }
        Permissions {
            actions,
            families: self.families,
        }
    }
}

/// The slots of `mask` (an environment mask; zero means no environment),
/// lowest first: one step per set bit.
fn slots(mask: u64) -> Slots {
    Slots(if mask == 0 { NO_ENVIRONMENT } else { mask })
}

/// The set bits of a mask, each as a one-bit mask.
#[derive(Clone, Copy)]
struct Slots(u64);

impl Iterator for Slots {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.0 == 0 {
            return None;
        }
        let low = self.0 & self.0.wrapping_neg();
        self.0 &= !low;
        Some(low)
    }
}

impl Permissions {
    /// A builder.
    pub fn builder() -> PermissionsBuilder {
        PermissionsBuilder::default()
    }

    /// True when no permission is defined.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.families.is_empty()
    }

    /// Authorizes `action` for a principal with `roles`, in the environments
    /// of `mask` (zero: none). `None` when permissions say nothing about it.
    pub fn authorize(&self, roles: &RoleView<'_>, action: &str, mask: u64) -> Option<Outcome> {
        if let Some(table) = self.actions.get(action) {
            return table.authorize(roles, mask);
        }
        let family = self
            .families
            .iter()
            .filter(|(p, _)| action.starts_with(&**p))
            .map(|(_, e)| e);
        authorize_entries(family, roles, mask)
    }

    #[cfg(test)]
    /// Calls `found` with every permission (shadow ones included) that
    /// applies to `action` for `roles` in `mask`.
    pub fn for_each_applying(
        &self,
        roles: &RoleView<'_>,
        action: &str,
        mask: u64,
        mut found: impl FnMut(&Entry),
    ) {
        let applies = |e: &&Entry| slots(mask).any(|s| e.applies(roles, s));
        match self.actions.get(action) {
            Some(table) => table.entries.iter().filter(applies).for_each(&mut found),
            None => self
                .families
                .iter()
                .filter(|(p, _)| action.starts_with(&**p))
                .map(|(_, e)| e)
                .filter(applies)
                .for_each(&mut found),
        }
    }
}

impl Table {
    fn authorize(&self, roles: &RoleView<'_>, mask: u64) -> Option<Outcome> {
        let (mut deny, mut ask, mut granted) = (false, false, true);
        for slot in slots(mask) {
            let Some([allow_h, ask_h, deny_h]) = self.slots.get(slot.trailing_zeros() as usize)
            else {
                continue;
            };
            deny |= deny_h.hold(roles);
            ask |= ask_h.hold(roles);
            granted &= allow_h.hold(roles);
        }
        let effect = if deny {
            Effect::Deny
        } else if ask {
            Effect::Ask
        } else if !self.granted_only {
            return None;
        } else if granted {
            Effect::Allow
        } else {
            return Some(Outcome {
                effect: Effect::Deny,
                tag: None,
            });
        };
        let mask = if mask == 0 { NO_ENVIRONMENT } else { mask };
        let tag = self
            .entries
            .iter()
            .find(|e| !e.shadow && e.effect == effect && e.applies_in(roles, mask))
            .map(|e| e.tag);
        Some(Outcome { effect, tag })
    }
}

/// The slow path of [`Permissions::authorize`], over any entries.
fn authorize_entries<'e>(
    entries: impl Iterator<Item = &'e Entry> + Clone,
    roles: &RoleView<'_>,
    mask: u64,
) -> Option<Outcome> {
    let first = |effect: Effect| {
        entries
            .clone()
            .filter(|e| !e.shadow && e.effect == effect)
            .find(|e| slots(mask).any(|s| e.applies(roles, s)))
            .map(|e| e.tag)
    };
    let outcome = |effect, tag| Some(Outcome { effect, tag });
    if let Some(tag) = first(Effect::Deny) {
        return outcome(Effect::Deny, Some(tag));
    }
    if let Some(tag) = first(Effect::Ask) {
        return outcome(Effect::Ask, Some(tag));
    }
    let mut allows = entries.filter(|e| !e.shadow && e.effect == Effect::Allow);
    allows.clone().next()?;
    let granted = slots(mask).all(|s| allows.clone().any(|e| e.applies(roles, s)));
    match (
        granted,
        allows.find(|e| slots(mask).any(|s| e.applies(roles, s))),
    ) {
        (true, Some(e)) => outcome(Effect::Allow, Some(e.tag)),
        _ => outcome(Effect::Deny, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(i: &[usize]) -> RoleBits {
        let mut b = RoleBits::new(4);
        for &i in i {
            b.insert(i);
        }
        b
    }

    fn entry(tag: u32, effect: Effect, r: Option<&[usize]>, envs: u64) -> Entry {
        Entry {
            tag,
            effect,
            roles: r.map(roles),
            environments: envs,
            shadow: false,
        }
    }

    #[test]
    fn granted_only_in_every_environment_of_the_request() {
        let mut b = Permissions::builder();
        b.add("db.write", entry(0, Effect::Allow, Some(&[0]), 0b01));
        let p = b.build();
        let r = roles(&[0]);
        let mut view = RoleView::new();
        view.add(&r);
        assert_eq!(
            p.authorize(&view, "db.write", 0b01).unwrap().effect,
            Effect::Allow
        );
        assert_eq!(
            p.authorize(&view, "db.write", 0b11).unwrap(),
            Outcome {
                effect: Effect::Deny,
                tag: None
            }
        );
        assert_eq!(
            p.authorize(&view, "db.write", 0).unwrap().effect,
            Effect::Deny
        );
        assert!(p.authorize(&view, "db.read", 0b01).is_none());
    }

    #[test]
    fn a_deny_alone_does_not_require_grants_elsewhere() {
        let mut b = Permissions::builder();
        b.add("command:destructive", entry(0, Effect::Deny, None, 0b10));
        let p = b.build();
        let view = RoleView::new();
        assert_eq!(p.authorize(&view, "command:destructive", 0b1), None);
        assert_eq!(
            p.authorize(&view, "command:destructive", 0b10),
            Some(Outcome {
                effect: Effect::Deny,
                tag: Some(0)
            })
        );
    }

    #[test]
    fn deny_beats_ask_beats_allow_and_families_fold_in() {
        let mut b = Permissions::builder();
        b.add(
            "command:destructive",
            entry(0, Effect::Allow, Some(&[0]), u64::MAX),
        );
        b.add("command:*", entry(1, Effect::Ask, Some(&[0]), 0b10));
        b.add("*", entry(2, Effect::Deny, None, 0b100));
        let p = b.build();
        let r = roles(&[0]);
        let mut view = RoleView::new();
        view.add(&r);
        assert_eq!(
            p.authorize(&view, "command:destructive", 0b1),
            Some(Outcome {
                effect: Effect::Allow,
                tag: Some(0)
            })
        );
        assert_eq!(
            p.authorize(&view, "command:destructive", 0b10),
            Some(Outcome {
                effect: Effect::Ask,
                tag: Some(1)
            })
        );
        assert_eq!(
            p.authorize(&view, "command:destructive", 0b100),
            Some(Outcome {
                effect: Effect::Deny,
                tag: Some(2)
            })
        );
        assert_eq!(
            p.authorize(&view, "command:other", 0b10),
            Some(Outcome {
                effect: Effect::Ask,
                tag: Some(1)
            })
        );
        assert_eq!(p.authorize(&view, "http:write", 0b1), None);
        assert_eq!(
            p.authorize(&view, "http:write", 0b100),
            Some(Outcome {
                effect: Effect::Deny,
                tag: Some(2)
            })
        );
    }
}
