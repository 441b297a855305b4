using System.Security.Cryptography;
using System.Text;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>The tree math with no database: FactDesk's proofs from complete subtrees, judged by the tests' own RFC 9162.</summary>
public class TreeMathTests
{
    /// <summary>The eight leaves of the RFC 6962 reference test data (certificate-transparency), as hex.</summary>
    private static readonly string[] ReferenceLeaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    /// <summary>Their tree hashes for the first 1..8 leaves, from the same test data.</summary>
    private static readonly string[] ReferenceRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// <summary>Every complete subtree of a tree over the given leaf hashes, as a store would keep them.</summary>
    private static Dictionary<NodeId, byte[]> CompleteSubtreesOf(IReadOnlyList<byte[]> leaves)
    {
        var nodes = new Dictionary<NodeId, byte[]>();
        for (var i = 0; i < leaves.Count; i++) nodes[new NodeId(0, i)] = leaves[i];
        for (var level = 1; (1L << level) <= leaves.Count; level++)
            for (long index = 0; (index + 1) << level <= leaves.Count; index++)
                nodes[new NodeId(level, index)] = MerkleHashes.Node(nodes[new NodeId(level - 1, 2 * index)], nodes[new NodeId(level - 1, 2 * index + 1)]);
        return nodes;
    }

    private static List<byte[]> Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => MerkleHashes.Leaf(Encoding.UTF8.GetBytes($"event {i}"))).ToList();

    [Fact]
    public void Roots_from_complete_subtrees_match_the_RFC_6962_reference_data()
    {
        var leaves = ReferenceLeaves.Select(h => MerkleHashes.Leaf(Convert.FromHexString(h))).ToList();
        var nodes = CompleteSubtreesOf(leaves);
        for (var size = 1; size <= 8; size++)
            Convert.ToHexStringLower(TreeMath.FoldRange(new LeafRange(0, size), id => nodes[id])).ShouldBe(ReferenceRoots[size - 1], $"size {size}");
    }

    [Fact]
    public void The_leaf_and_node_hashes_carry_their_RFC_prefixes()
    {
        MerkleHashes.Leaf([]).ShouldBe(SHA256.HashData([0x00]));
        var a = SHA256.HashData([1]);
        var b = SHA256.HashData([2]);
        MerkleHashes.Node(a, b).ShouldBe(SHA256.HashData([0x01, .. a, .. b]));
        MerkleHashes.Empty().ShouldBe(SHA256.HashData([]));
    }

    [Fact]
    public void Every_inclusion_proof_up_to_70_leaves_verifies_independently_and_fails_for_another_leaf()
    {
        var leaves = Leaves(70);
        var nodes = CompleteSubtreesOf(leaves);
        for (var size = 1; size <= leaves.Count; size++)
        {
            var root = Rfc9162.TreeHash(leaves.Take(size).ToList());
            for (var index = 0; index < size; index++)
            {
                var path = TreeMath.InclusionPath(index, size).Select(r => TreeMath.FoldRange(r, id => nodes[id])).ToList();
                Rfc9162.VerifyInclusion(index, size, leaves[index], path, root).ShouldBeTrue($"leaf {index} of {size}");
                MerkleProofCheck.Inclusion(index, size, leaves[index], path, root).ShouldBeNull();
                if (size > 1)
                {
                    var other = leaves[(index + 1) % size];
                    Rfc9162.VerifyInclusion(index, size, other, path, root).ShouldBeFalse();
                    MerkleProofCheck.Inclusion(index, size, other, path, root).ShouldNotBeNull();
                }
            }
        }
    }

    [Fact]
    public void Every_consistency_proof_up_to_70_leaves_verifies_independently_and_fails_against_a_rewritten_past()
    {
        var leaves = Leaves(70);
        var nodes = CompleteSubtreesOf(leaves);
        var rewritten = leaves.ToList();
        rewritten[0] = MerkleHashes.Leaf("rewritten"u8);
        for (var second = 1; second <= leaves.Count; second++)
        {
            var secondRoot = Rfc9162.TreeHash(leaves.Take(second).ToList());
            for (var first = 1; first <= second; first++)
            {
                var firstRoot = Rfc9162.TreeHash(leaves.Take(first).ToList());
                var proof = TreeMath.ConsistencyProof(first, second).Select(r => TreeMath.FoldRange(r, id => nodes[id])).ToList();
                Rfc9162.VerifyConsistency(first, second, firstRoot, secondRoot, proof).ShouldBeTrue($"{first} to {second}");
                MerkleProofCheck.Consistency(first, second, firstRoot, secondRoot, proof).ShouldBeNull();
                var otherPast = Rfc9162.TreeHash(rewritten.Take(first).ToList());
                Rfc9162.VerifyConsistency(first, second, otherPast, secondRoot, proof).ShouldBeFalse();
                MerkleProofCheck.Consistency(first, second, otherPast, secondRoot, proof).ShouldNotBeNull();
            }
        }
    }

    [Fact]
    public void A_proof_needs_at_most_one_complete_subtree_per_level_of_the_tree()
    {
        const long size = 1_000_003;
        var depth = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)size);
        foreach (var index in new long[] { 0, 1, 524_287, 524_288, 999_999, size - 1 })
            TreeMath.InclusionPath(index, size).SelectMany(TreeMath.CompleteSubtrees).Count().ShouldBeLessThanOrEqualTo(2 * depth);
        foreach (var first in new long[] { 1, 7, 524_288, 999_999, size - 1 })
            TreeMath.ConsistencyProof(first, size).SelectMany(TreeMath.CompleteSubtrees).Count().ShouldBeLessThanOrEqualTo(2 * depth);
    }

    [Fact]
    public void The_right_edge_of_a_tree_is_one_complete_subtree_per_set_bit_of_its_size()
    {
        TreeMath.Frontier(0).ShouldBeEmpty();
        TreeMath.Frontier(1).ShouldBe([new NodeId(0, 0)]);
        TreeMath.Frontier(6).ShouldBe([new NodeId(2, 0), new NodeId(1, 2)]);
        TreeMath.Frontier(7).ShouldBe([new NodeId(2, 0), new NodeId(1, 2), new NodeId(0, 6)]);
        TreeMath.Frontier(8).ShouldBe([new NodeId(3, 0)]);
    }

    [Fact]
    public void Proofs_for_leaves_or_sizes_outside_the_tree_are_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => TreeMath.InclusionPath(5, 5));
        Should.Throw<ArgumentOutOfRangeException>(() => TreeMath.InclusionPath(0, 0));
        Should.Throw<ArgumentOutOfRangeException>(() => TreeMath.ConsistencyProof(0, 5));
        Should.Throw<ArgumentOutOfRangeException>(() => TreeMath.ConsistencyProof(6, 5));
        TreeMath.ConsistencyProof(5, 5).ShouldBeEmpty();
    }
}
