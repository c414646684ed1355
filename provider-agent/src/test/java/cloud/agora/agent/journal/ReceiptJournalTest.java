package cloud.agora.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;

import cloud.agora.protocol.usage.ReceiptMerkleTree;
import cloud.agora.protocol.usage.UsageReceipt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptJournalTest {

    @TempDir
    Path dir;

    @Test
    void replaysReceiptsAndShippedMarksAfterReopening() throws Exception {
        UUID lease = UUID.randomUUID();
        List<UsageReceipt> written = new ArrayList<>();
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            for (int i = 0; i < 5; i++) {
                written.add(Receipts.receipt(lease, i));
                journal.append(written.get(i));
            }
            journal.markShipped(List.of(written.get(0).invocationId(), written.get(1).invocationId()));
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.counts()).isEqualTo(new ReceiptJournal.Counts(5, 3));
            assertThat(journal.pending(10)).containsExactlyElementsOf(written.subList(2, 5));
            assertThat(journal.get(written.get(3).invocationId())).isEqualTo(written.get(3));
            journal.get(written.get(3).invocationId()).verifyProviderSignature();
        }
    }

    @Test
    void appendsAReceiptOnlyOnce() throws Exception {
        UsageReceipt r = Receipts.receipt(UUID.randomUUID(), 0);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journal.append(r);
            journal.append(r);
            assertThat(journal.counts().receipts()).isEqualTo(1);
        }
        assertThat(Files.readAllLines(dir.resolve("receipts.jsonl"))).hasSize(1);
    }

    @Test
    void cutsOffATornLastLineAndKeepsAppending() throws Exception {
        UUID lease = UUID.randomUUID();
        UsageReceipt first = Receipts.receipt(lease, 0);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journal.append(first);
        }
        Files.writeString(dir.resolve("receipts.jsonl"), "{\"invocationId\":\"torn", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        UsageReceipt second = Receipts.receipt(lease, 1);
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            journal.append(second);
        }
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            assertThat(journal.pending(10)).containsExactly(first, second);
        }
    }

    @Test
    void keepsAMerkleRootPerLeaseAndDay() throws Exception {
        UUID lease = UUID.randomUUID();
        List<UsageReceipt> receipts = List.of(Receipts.receipt(lease, 0), Receipts.receipt(lease, 1), Receipts.receipt(lease, 2));
        try (ReceiptJournal journal = ReceiptJournal.open(dir)) {
            receipts.forEach(journal::append);
            journal.append(Receipts.receipt(UUID.randomUUID(), 3));
            ReceiptJournal.PeriodRoot root = journal.root(lease, LocalDate.parse("2026-03-01"));
            assertThat(root.receipts()).isEqualTo(3);
            assertThat(root.merkleRoot()).isEqualTo(ReceiptMerkleTree.ofReceipts(receipts).rootHex());
            assertThat(journal.roots(lease)).containsExactly(root);
            assertThat(journal.root(lease, LocalDate.parse("2026-03-02")).merkleRoot()).isEqualTo("0x" + "0".repeat(64));
        }
    }
}
