import CreditTestSupport
import Foundation
import Testing

@Suite("HTTP score service: idempotency per caller, one decision per event", .timeLimit(.minutes(3)))
struct IdempotencyServerTests {
    @Test("one event gives one decision whatever the key; another caller can neither read nor block the answer")
    func oneDecisionPerEvent() async throws {
        try await InProcessServer.run { server async throws in
            let body = ServerProcess.application("evt-once")
            let first = try await server.request("POST", "/api/v1/scores", body: body)
            #expect(first.status == 201)
            // The same caller, the same event and body, another Idempotency-Key: the stored answer.
            let otherKey = try await server.request(
                "POST", "/api/v1/scores", body: body, headers: ["Content-Type": "application/json", "Idempotency-Key": "retry-1"])
            #expect(otherKey.status == 201 && otherKey.body == first.body)
            // The same event with another body under a new key: refused, no second decision.
            let changed = try await server.request(
                "POST", "/api/v1/scores", body: ServerProcess.application("evt-once", changes: ["amount": 3_000_000]),
                headers: ["Content-Type": "application/json", "Idempotency-Key": "retry-2"])
            #expect(changed.status == 409, "\(changed.text)")
            // Another caller replaying the Loan service's key or event: 409, and nothing of the answer.
            let scoreId = try #require(first.json["score_id"] as? String)
            let intruder = try await server.request("POST", "/api/v1/scores", body: body, key: ServerProcess.limitedKey)
            #expect(intruder.status == 409 && !intruder.text.contains(scoreId), "\(intruder.text)")
            let intruderKey = try await server.request(
                "POST", "/api/v1/scores", body: body, key: ServerProcess.limitedKey,
                headers: ["Content-Type": "application/json", "Idempotency-Key": "event:evt-once"])
            #expect(intruderKey.status == 409 && !intruderKey.text.contains(scoreId))
            let loan = try await server.request("GET", "/api/v1/loans/loan-1/scores", key: ServerProcess.readerKey)
            #expect((loan.json["scores"] as? [Any])?.count == 1)
        }
    }

    @Test("a retry that re-serialises the same JSON gets the stored answer")
    func canonicalRequestHash() async throws {
        try await InProcessServer.run { server async throws in
            let body = ServerProcess.application("evt-json")
            let first = try await server.request("POST", "/api/v1/scores", body: body)
            #expect(first.status == 201)
            let object = try JSONSerialization.jsonObject(with: body)
            var pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])
            pretty = Data(String(decoding: pretty, as: UTF8.self).replacingOccurrences(of: "2096000", with: "2096000.0").utf8)
            #expect(pretty != body)
            let retry = try await server.request("POST", "/api/v1/scores", body: pretty)
            #expect(retry.status == 201 && retry.body == first.body, "\(retry.text)")
        }
    }

    @Test("after a redeploy with a model that would refuse the body, a retry still gets the stored answer")
    func retryAfterRedeploy() async throws {
        let server = try ServerProcess()
        let body = ServerProcess.application("evt-redeploy")
        let first = try await server.request("POST", "/api/v1/scores", body: body)
        #expect(first.status == 201)
        #expect(server.stop() == 0)
        // A model on two features only: the old body's other features are now unknown fields.
        let model = server.directory.path("small-model.json")
        let fit = try credit([
            "fit", "--data", RepositoryPaths.path("datasets/german_credit.csv"), "--target", "creditability", "--event", "bad",
            "--exclude", "status_of_existing_checking_account,credit_history,purpose,savings_account_and_bonds,present_employment_since,"
                + "installment_rate_in_percentage_of_disposable_income,personal_status_and_sex,other_debtors_or_guarantors,"
                + "present_residence_since,property,age_in_years,other_installment_plans,housing,number_of_existing_credits_at_this_bank,"
                + "job,number_of_people_being_liable_to_provide_maintenance_for,telephone,foreign_worker",
            "--model-id", "pd-small", "--model-version", "2.0.0", "--out", model,
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        let redeployed = try ServerProcess(directory: server.directory, overrides: ["model": model])
        let fresh = try await redeployed.request("POST", "/api/v1/scores", body: ServerProcess.application("evt-new"))
        #expect(fresh.status == 422)
        let retry = try await redeployed.request("POST", "/api/v1/scores", body: body)
        #expect(retry.status == 201 && retry.body == first.body, "\(retry.text)")
        #expect(redeployed.stop() == 0)
    }
}
