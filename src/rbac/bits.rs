//! Role sets as bitsets: one bit per role, in words of 64.
//!
//! Every role set the engine tests at decision time — a rule's roles, a
//! role's inherited closure, a binding's roles, a permission's roles — is a
//! [`RoleBits`] of the same width, built at compile time. Testing whether a
//! principal has one of a rule's roles is a word-wise AND over
//! `roles / 64` words: two words for 100 roles. A principal's roles are not
//! materialized per decision: a [`RoleView`] is the handful of precomputed
//! sets that make them up (its exact binding, the prefix bindings it falls
//! under, the closure of each role it carries), and a test ORs over those,
//! so deciding allocates nothing whatever the number of roles.

use smallvec::SmallVec;

/// A fixed-width set of role indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RoleBits {
    words: Box<[u64]>,
}

impl RoleBits {
    /// The empty set, wide enough for `roles` roles.
    pub fn new(roles: usize) -> Self {
        RoleBits {
            words: vec![0; roles.div_ceil(64)].into_boxed_slice(),
        }
    }

    /// Adds role `i`; out of range is ignored (the width is fixed at compile time).
    pub fn insert(&mut self, i: usize) {
        if let Some(w) = self.words.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    #[cfg(test)]
    /// True when role `i` is in the set.
    pub fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Adds every role of `other`.
    pub fn union_with(&mut self, other: &RoleBits) {
        for (a, b) in self.words.iter_mut().zip(other.words.iter()) {
            *a |= b;
        }
    }

    /// True when the sets share a role.
    pub fn intersects(&self, other: &RoleBits) -> bool {
        self.words
            .iter()
            .zip(other.words.iter())
            .any(|(a, b)| a & b != 0)
    }

    /// True when the set has no role.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The roles in the set, in index order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(k, &w)| {
            (0..64)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| k * 64 + b)
        })
    }
}

/// A principal's roles, as the union of a few precomputed sets.
#[derive(Debug, Clone, Default)]
pub struct RoleView<'a> {
    parts: SmallVec<[&'a RoleBits; 6]>,
}

impl<'a> RoleView<'a> {
    /// No roles.
    pub fn new() -> Self {
        RoleView::default()
    }

    /// Adds the roles of `bits`.
    pub fn add(&mut self, bits: &'a RoleBits) {
        if !bits.is_empty() {
            self.parts.push(bits);
        }
    }

    /// True when the principal has one of the roles in `set`.
    pub fn intersects(&self, set: &RoleBits) -> bool {
        self.parts.iter().any(|p| p.intersects(set))
    }

    /// True when the principal has no role.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The principal's roles as one set (allocates; for reporting).
    pub fn to_bits(&self, roles: usize) -> RoleBits {
        let mut all = RoleBits::new(roles);
        for part in &self.parts {
            all.union_with(part);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_of_more_than_one_word_intersect_word_by_word() {
        let mut a = RoleBits::new(130);
        let mut b = RoleBits::new(130);
        a.insert(3);
        a.insert(129);
        b.insert(129);
        assert!(a.intersects(&b));
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![3, 129]);
        b = RoleBits::new(130);
        b.insert(64);
        assert!(!a.intersects(&b));
        a.insert(1000);
        assert!(!a.contains(1000));
    }

    #[test]
    fn a_view_has_the_union_of_its_parts() {
        let mut a = RoleBits::new(10);
        a.insert(1);
        let mut b = RoleBits::new(10);
        b.insert(7);
        let mut view = RoleView::new();
        view.add(&a);
        view.add(&b);
        let mut probe = RoleBits::new(10);
        probe.insert(7);
        assert!(view.intersects(&probe));
        assert_eq!(view.to_bits(10).iter().collect::<Vec<_>>(), vec![1, 7]);
    }
}
